import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  deleteObjectStorage,
  type LocalBroker,
  startLocalBroker,
} from "../test-node/local-broker.js";
import { BenchClient, median } from "./load.js";
import { type Goal, type Row, recordRows, table } from "./table.js";

/**
 * `npm run bench:replication -w @edgeq/worker`: HTTP produce at batch 100 to
 * queues with 0, 1 and 2 synchronous replicas and 2 asynchronous ones, in
 * one local workerd, as ratios against the unreplicated queue of the same
 * run (issue 13). Each replica is a Durable Object of its own in the same
 * runtime, so a sync write here pays a local RPC per replica, not a WAN hop.
 *
 * EDGEQ_BENCH_REPS (default 5) sets the repetitions whose median is printed.
 */
const REPS = Number(process.env.EDGEQ_BENCH_REPS ?? 5);
const TOKEN = "bench-token";
const TOTAL = 20_000;
const BATCH = 100;

const CASES: Array<{ topic: string; label: string; replication?: unknown; goal?: Goal }> = [
  { topic: "none", label: "no replication" },
  { topic: "sync1", label: "sync, 1 replica", replication: { replicas: 1, mode: "sync", acks: 1 } },
  {
    topic: "sync2",
    label: "sync, 2 replicas (acks 2)",
    replication: { replicas: 2, mode: "sync", acks: 2 },
    goal: { min: 0.5 },
  },
  {
    topic: "async2",
    label: "async, 2 replicas",
    replication: { replicas: 2, mode: "async" },
    goal: { min: 0.9 },
  },
];

const log = (text: string) => process.stderr.write(`${text}\n`);

async function main(): Promise<void> {
  const started = performance.now();
  const topics = Object.fromEntries(
    CASES.map((c) => [
      c.topic,
      { queueCount: 1, ...(c.replication ? { replication: c.replication } : {}) },
    ]),
  );
  const dir = await mkdtemp(join(tmpdir(), "edgeq-bench-repl-"));
  const options = {
    persistDir: dir,
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    topics,
  };
  let broker: LocalBroker = await startLocalBroker(options);
  let bench = new BenchClient(broker.url, TOKEN);
  let catchUp = "";
  const rates = new Map<string, number[]>(CASES.map((c) => [c.topic, []]));
  try {
    // Round-robin over the cases: the shared machine's noise hits every case alike.
    for (let rep = 0; rep < REPS; rep++)
      for (const c of CASES) {
        log(`produce: ${c.label}, rep ${rep + 1}/${REPS}…`);
        rates
          .get(c.topic)!
          .push(await bench.produce(`/v1/topics/${c.topic}/messages`, TOTAL, BATCH, 1));
      }
    catchUp = await convergence(bench, "async2");
    for (const c of CASES) {
      const stats = await bench.get<{ queues: Array<{ headOffset: number }> }>(
        `/v1/topics/${c.topic}/stats`,
      );
      if (stats.queues[0]?.headOffset !== TOTAL * REPS)
        throw new Error(
          `${c.topic}: head ${stats.queues[0]?.headOffset}, expected ${TOTAL * REPS}`,
        );
    }
    // Catch-up: every replica's storage is lost; the next write makes the primary refeed them.
    await broker.stop();
    await deleteObjectStorage(dir, "ReplicaDO");
    broker = await startLocalBroker(options);
    bench = new BenchClient(broker.url, TOKEN);
    catchUp += await refeed(bench, "async2");
  } finally {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const base = median(rates.get("none")!);
  const rows: Row[] = CASES.map((c) => ({
    scenario: `HTTP produce, ${c.label}`,
    batch: BATCH,
    clients: 1,
    unit: "msg/s",
    edgeq: median(rates.get(c.topic)!),
    baseline: base,
    ...(c.goal === undefined ? {} : { goal: c.goal }),
  }));
  recordRows("replication", rows);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `\nedgeq replication bench: one local workerd, one queue per case, median of ${REPS}.\n` +
      "baseline: the same produce to a queue without replication, in the same run.\n\n" +
      `${table(rows)}\n\n${catchUp}\n${seconds} s\n`,
  );
}

interface ReplicationStats {
  queues: Array<{
    replication?: { seq: number; replicas: Array<{ replica: string; lagBatches: number }> };
  }>;
}

/**
 * Replicas that lost their storage, refed by the primary from nothing (its
 * tail keeps 256 batches, so most of this queue comes as a snapshot):
 * batches caught up per second, timed in Node by polling stats.
 */
async function refeed(bench: BenchClient, topic: string): Promise<string> {
  const start = performance.now();
  await bench.produce(`/v1/topics/${topic}/messages`, BATCH, BATCH, 1);
  for (;;) {
    const stats = await bench.get<ReplicationStats>(`/v1/topics/${topic}/stats`);
    const replication = stats.queues[0]?.replication;
    const behind = Math.max(...(replication?.replicas ?? []).map((r) => r.lagBatches));
    if (replication && behind === 0) {
      const ms = performance.now() - start;
      const rate = Math.round((replication.seq * 1000) / ms).toLocaleString("en");
      return `2 replicas that lost their storage: ${replication.seq} batches caught up in ${Math.round(ms)} ms (${rate} batches/s per replica, snapshot + tail).\n`;
    }
    if (performance.now() - start > 120_000)
      throw new Error(`${topic}: replicas still ${behind} batches behind`);
  }
}

/**
 * How far the async replicas trail when the producer stops, and how fast they
 * catch up (batches/s, timed in Node by polling stats): the async rate above
 * counts only the primary, so this shows the replicas were not left behind.
 */
async function convergence(bench: BenchClient, topic: string): Promise<string> {
  const lag = async () => {
    const stats = await bench.get<ReplicationStats>(`/v1/topics/${topic}/stats`);
    return Math.max(...(stats.queues[0]?.replication?.replicas ?? []).map((r) => r.lagBatches));
  };
  const start = performance.now();
  const behind = await lag();
  let now = behind;
  while (now > 0) {
    if (performance.now() - start > 60_000)
      throw new Error(`${topic}: replicas still ${now} batches behind`);
    now = await lag();
  }
  const ms = performance.now() - start;
  const rate =
    behind === 0 ? "—" : `${Math.round((behind * 1000) / ms).toLocaleString("en")} batches/s`;
  return `async replicas at the producer's last answer: ${behind} batches behind; in sync after ${Math.round(ms)} ms (catch-up ${rate}).\n`;
}

await main();
