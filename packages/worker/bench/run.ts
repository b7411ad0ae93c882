import { fileURLToPath } from "node:url";
import { type LocalBroker, startLocalBroker } from "../test-node/local-broker.js";
import { BenchClient, median } from "./load.js";
import { type Row, table } from "./table.js";

/**
 * `npm run bench -w @edgeq/worker`: in one local workerd (Miniflare), HTTP
 * produce through the whole edgeq stack against raw SQL INSERTs of the same
 * rows in a Durable Object behind the same HTTP path (the edge's limit);
 * lease receive + ack; and reads with a 1,000,000-message log against a queue
 * that started empty. Prints msg/s and ratios.
 *
 * EDGEQ_BENCH_LOG_SIZE (default 1,000,000; rounded down to a multiple of 8,000)
 * shrinks the big log for a quick run; EDGEQ_BENCH_REPS (default 5) sets the
 * repetitions whose median is printed.
 */
// A multiple of 8,000, so 8 producers' batches of 1,000 make segments of exactly 1,000.
const LOG = Math.max(
  8_000,
  Math.floor(Number(process.env.EDGEQ_BENCH_LOG_SIZE ?? 1e6) / 8e3) * 8e3,
);
const REPS = Number(process.env.EDGEQ_BENCH_REPS ?? 5);
const TOKEN = "bench-token";
/** Messages per produce measurement: under a second each on this machine. */
const TOTALS: Record<number, number> = { 1: 200, 10: 2_000, 100: 20_000, 1000: 50_000 };
const BATCHES = [1, 10, 100, 1000];
const CLIENTS = [1, 8];
const LEASED = 20_000;
/** Messages per read measurement, whole segments of 1,000. */
const READ = Math.min(20_000, Math.floor(LOG / 4_000) * 1_000);
const GOALS: Record<number, number> = { 100: 0.7, 1000: 0.8 };

// One topic per measured case, so edgeq starts empty as each raw object does, and
// one queue per topic: one Durable Object, as the raw side has.
const CASES = [
  ...BATCHES.flatMap((batch) => CLIENTS.map((n) => `p${batch}x${n}`)),
  ...CLIENTS.map((n) => `lease${n}`),
  "big",
  "small",
];
const topics = Object.fromEntries(CASES.map((t) => [t, { queueCount: 1 }]));

const log = (text: string) => process.stderr.write(`${text}\n`);

async function produceRows(bench: BenchClient): Promise<Row[]> {
  const rows: Row[] = [];
  for (const batch of BATCHES)
    for (const clients of CLIENTS) {
      log(`produce: batch ${batch}, ${clients} producer(s)…`);
      const topic = `p${batch}x${clients}`;
      const total = TOTALS[batch]!;
      const raw: number[] = [];
      const edgeq: number[] = [];
      // Alternate the sides: the machine's noise (it is shared) hits both alike.
      for (let rep = 0; rep < REPS; rep++) {
        raw.push(await bench.produce(`/__bench/raw?queue=${topic}`, total, batch, clients));
        edgeq.push(await bench.produce(`/v1/topics/${topic}/messages`, total, batch, clients));
      }
      // Answers were not parsed: make sure every message did land.
      await expectHead(bench, topic, REPS * Math.ceil(total / clients) * clients);
      rows.push({
        scenario: "HTTP produce",
        batch,
        clients,
        edgeq: median(edgeq),
        baseline: median(raw),
        ...(GOALS[batch] === undefined ? {} : { goal: GOALS[batch] }),
      });
    }
  return rows;
}

async function expectHead(bench: BenchClient, topic: string, head: number): Promise<void> {
  const stats = await bench.get<{ queues: Array<{ headOffset: number }> }>(
    `/v1/topics/${topic}/stats`,
  );
  const actual = stats.queues[0]?.headOffset;
  if (actual !== head) throw new Error(`${topic}: head ${actual}, expected ${head}`);
}

async function leaseRows(bench: BenchClient): Promise<Row[]> {
  const rows: Row[] = [];
  for (const clients of CLIENTS) {
    log(`receive + ack: ${clients} consumer(s)…`);
    const topic = `lease${clients}`;
    await bench.produce(`/v1/topics/${topic}/messages`, LEASED, 1000, 4);
    const rate = await bench.receiveAndAck(topic, LEASED, clients);
    rows.push({ scenario: "lease receive+ack", batch: 100, clients, edgeq: rate });
  }
  return rows;
}

async function readRows(bench: BenchClient): Promise<Row[]> {
  log(`filling a queue with ${LOG.toLocaleString("en")} messages (batches of 1,000, 8 producers)…`);
  const fill = await bench.produce("/v1/topics/big/messages", LOG, 1000, 8);
  await expectHead(bench, "big", LOG);
  log(`  ${Math.round(fill).toLocaleString("en")} msg/s`);
  // The empty-start queue: one producer, so its segments are 1,000 each like the big one's.
  await bench.produce("/v1/topics/small/messages", READ + 1000, 1000, 1);
  log("reading…");
  const small: number[] = [];
  const straddling: number[] = [];
  const mid: number[] = [];
  const tail: number[] = [];
  // Reads are short; more repetitions, interleaved, steady the medians.
  for (let rep = 0; rep < Math.max(REPS, 5); rep++) {
    small.push(await bench.read("small", 0, READ));
    mid.push(await bench.read("big", LOG / 2, READ));
    tail.push(await bench.read("big", LOG - READ, READ));
    straddling.push(await bench.read("small", 500, READ));
  }
  const base = median(small);
  const size = LOG >= 1e6 ? `${LOG / 1e6}M` : `${LOG / 1e3}k`;
  const row = (scenario: string, xs: number[], goal?: number): Row => ({
    scenario,
    batch: 1000,
    clients: 1,
    edgeq: median(xs),
    baseline: base,
    ...(goal === undefined ? {} : { goal }),
  });
  return [
    // Produce keeps its pace while the log grows (compare HTTP produce 1000 × 8).
    { scenario: `produce filling the ${size} log`, batch: 1000, clients: 8, edgeq: fill },
    row(`read, ${size} log, middle`, mid, 0.9),
    row(`read, ${size} log, tail`, tail, 0.9),
    // Not a goal: shows what a page costs when it starts inside a segment.
    row("read, empty-start, pages from mid-segment", straddling),
  ];
}

async function main(): Promise<void> {
  const started = performance.now();
  const broker: LocalBroker = await startLocalBroker({
    entry: fileURLToPath(new URL("./worker/bench-worker.ts", import.meta.url)),
    durableObjects: { RAW: { className: "RawDO", useSQLite: true } },
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    topics,
  });
  const bench = new BenchClient(broker.url, TOKEN);
  const rows: Row[] = [];
  try {
    rows.push(...(await produceRows(bench)));
    rows.push(...(await leaseRows(bench)));
    rows.push(...(await readRows(bench)));
  } finally {
    await broker.stop();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `\nedgeq worker bench: one local workerd, one queue (one Durable Object) per case, median of ${REPS}.\n` +
      "baseline: raw SQL INSERTs in a Durable Object for produce, a queue that started empty for reads.\n\n" +
      `${table(rows)}\n\n${seconds} s\n`,
  );
}

await main();
