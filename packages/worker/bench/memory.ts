import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalBroker } from "../test-node/local-broker.js";
import { freePort, Inspector } from "./inspector.js";
import { BenchClient } from "./load.js";
import { type Goal, type Row, table } from "./table.js";
import { type Resident, workerdRss } from "./workerd-process.js";

/**
 * `npm run bench:memory -w @edgeq/worker`: issue 11's worker memory row. One
 * queue (one Durable Object) is filled over HTTP to each size in turn; after
 * each, the Worker isolate's live heap after a full GC (through the V8
 * inspector) and the resident memory of the workerd processes (their
 * /proc status) are compared with the same after the first, smallest size.
 * The state is persisted to a temporary directory, as `wrangler dev` does:
 * in memory, the data itself would be the RSS.
 *
 * EDGEQ_MEMORY_SIZES (default `1000,1000000,5000000`): messages in the queue
 * at each measurement, ascending. EDGEQ_MEMORY_PRODUCERS (default 4) send
 * batches of EDGEQ_MEMORY_BATCH (default 1,000). EDGEQ_MEMORY_CONSUMERS
 * (default 0) lease consumers receive 100 and ack alongside.
 * EDGEQ_MEMORY_SNAPSHOTS: a directory to write each size's heap snapshot to.
 * Then the same inserts go, as plain SQL rows, into the raw object of the
 * benchmark's Worker in a fresh runtime: its growth is the runtime's and
 * SQLite's own (EDGEQ_MEMORY_RAW=0 skips it).
 */
const SIZES = (process.env.EDGEQ_MEMORY_SIZES ?? "1000,1000000,5000000").split(",").map(Number);
const PRODUCERS = Number(process.env.EDGEQ_MEMORY_PRODUCERS ?? 4);
const BATCH = Number(process.env.EDGEQ_MEMORY_BATCH ?? 1000);
const CONSUMERS = Number(process.env.EDGEQ_MEMORY_CONSUMERS ?? 0);
/** EDGEQ_MEMORY_RAW=0 skips the raw-SQLite soak that shows what the runtime itself keeps. */
const RAW = process.env.EDGEQ_MEMORY_RAW !== "0";
/** A directory to keep each size's heap snapshot in (for DevTools' Memory panel), if set. */
const SNAPSHOTS = process.env.EDGEQ_MEMORY_SNAPSHOTS;
const TOKEN = "bench-token";
/** Issue 11: at most 50 MB more than the small queue, and flat from the first million on. */
const GROWTH_GOAL: Goal = { maxGrowth: 50 };
const FLAT_GOAL: Goal = { maxGrowth: 10 };
const MB = 1024 * 1024;

const log = (text: string) => process.stderr.write(`${text}\n`);

interface Sample {
  size: number;
  heap: number;
  rss: number;
  anon: number;
  mapped: number;
}

type Target = "edgeq" | "raw";

/** Fills one queue of a fresh runtime to each size in turn and samples its memory after each. */
async function soak(target: Target): Promise<Sample[]> {
  const dir = await mkdtemp(join(tmpdir(), "edgeq-memory-"));
  const port = await freePort();
  const broker = await startLocalBroker({
    entry: fileURLToPath(new URL("./worker/bench-worker.ts", import.meta.url)),
    durableObjects: { RAW: { className: "RawDO", useSQLite: true } },
    persistDir: dir,
    inspectorPort: port,
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    topics: { soak: { queueCount: 1 } },
  });
  const inspector = await Inspector.connect(port);
  const bench = new BenchClient(broker.url, TOKEN);
  const path = target === "edgeq" ? "/v1/topics/soak/messages" : "/__bench/raw?queue=soak";
  const samples: Sample[] = [];
  let consumed = 0;
  try {
    let produced = 0;
    for (const size of SIZES) {
      log(`${target}: filling to ${size.toLocaleString("en")} messages…`);
      const start = performance.now();
      const each = Math.ceil((size - produced) / PRODUCERS);
      const filling = bench.produce(path, each * PRODUCERS, BATCH, PRODUCERS);
      let filled = false;
      const consumers = Array.from({ length: target === "edgeq" ? CONSUMERS : 0 }, async () => {
        while (!filled || consumed < size) {
          const got = await bench.post<{ messages: Array<{ receipt: string }> }>(
            "/v1/topics/soak/groups/soak/receive",
            { max: 100, waitMs: 1000 },
          );
          if (got.messages.length === 0) continue;
          await bench.post("/v1/topics/soak/groups/soak/ack", {
            receipts: got.messages.map((m) => m.receipt),
          });
          consumed += got.messages.length;
        }
      });
      await filling;
      filled = true;
      await Promise.all(consumers);
      produced += each * PRODUCERS;
      const seconds = (performance.now() - start) / 1000;
      const { used: heap, snapshot } = await inspector.heapUsedAfterGc(SNAPSHOTS !== undefined);
      if (snapshot !== undefined) {
        const file = join(SNAPSHOTS!, `${target}-${produced}.heapsnapshot`);
        await writeFile(file, snapshot);
        log(`  heap snapshot: ${file}`);
      }
      const perProcess = workerdRss();
      const sum = (part: keyof Resident) =>
        [...perProcess.values()].reduce((a, r) => a + r[part], 0);
      samples.push({
        size: produced,
        heap,
        rss: sum("rss"),
        anon: sum("anon"),
        mapped: sum("mapped"),
      });
      log(
        `  ${produced.toLocaleString("en")} stored (${seconds.toFixed(0)} s), ` +
          `${consumed.toLocaleString("en")} consumed; heap ${(heap / MB).toFixed(1)} MB, workerd RSS ` +
          [...perProcess].map(([pid, r]) => `${pid}: ${(r.rss / MB).toFixed(0)} MB`).join(", "),
      );
    }
    if (target === "edgeq") {
      // Producers round each one's share up: the head says every message landed.
      const stats = await bench.get<{ queues: Array<{ headOffset: number }> }>(
        "/v1/topics/soak/stats",
      );
      if (stats.queues[0]?.headOffset !== produced)
        throw new Error(`head ${stats.queues[0]?.headOffset}, expected ${produced}`);
    }
  } finally {
    inspector.close();
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return samples;
}

async function main(): Promise<void> {
  if (SIZES.some((n, i) => !(n > 0) || (i > 0 && n <= SIZES[i - 1]!)))
    throw new Error("EDGEQ_MEMORY_SIZES: ascending positive counts");
  const started = performance.now();
  const edgeq = await soak("edgeq");
  const raw = RAW ? await soak("raw") : [];
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `\nedgeq worker memory: one queue (one Durable Object) in a local workerd, state on disk; ` +
      `${PRODUCERS} producers at batch ${BATCH}, ${CONSUMERS} lease consumers.\n` +
      "heap: the Worker isolate's live JavaScript heap after a full GC (V8 inspector);\n" +
      "RSS: resident memory of the workerd processes, and its parts: anonymous (malloc, V8) and\n" +
      "mapped (files and shared memory). vs base: growth in MB. The raw rows: the same inserts\n" +
      "as plain SQL rows in a Durable Object of another runtime (what SQLite and workerd keep).\n\n" +
      `${table([...rows(edgeq, "edgeq", true), ...rows(raw, "raw SQLite", false), ...beyondRaw(edgeq, raw)])}\n\n${seconds} s\n`,
  );
}

/** edgeq's RSS growth at each size against the raw object's: what edgeq adds to the runtime's own. */
function beyondRaw(edgeq: readonly Sample[], raw: readonly Sample[]): Row[] {
  const growth = (xs: readonly Sample[], i: number) => (xs[i]!.rss - xs[0]!.rss) / MB;
  return edgeq.slice(1).flatMap((s, i) =>
    raw[i + 1] === undefined
      ? []
      : [
          {
            scenario: `RSS growth to ${s.size >= 1e6 ? `${s.size / 1e6}M` : s.size}: edgeq vs raw SQLite`,
            unit: "MB" as const,
            edgeq: growth(edgeq, i + 1),
            baseline: growth(raw, i + 1),
          },
        ],
  );
}

/** Each size against the smallest (goal +50 MB), and the largest against the one before (flat). */
function rows(samples: readonly Sample[], who: string, goals: boolean): Row[] {
  const [first] = samples;
  if (!first) return [];
  const count = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${(n / 1e3).toFixed(0)}k`);
  const out: Row[] = [];
  const names = {
    heap: "isolate heap",
    rss: "workerd RSS",
    anon: "  anonymous",
    mapped: "  mapped",
  };
  const pair = (s: Sample, base: Sample, goal: Goal) => {
    for (const what of ["heap", "rss", "anon", "mapped"] as const)
      out.push({
        scenario: `${who}: ${names[what]} after ${count(s.size)} vs ${count(base.size)}`,
        unit: "MB",
        edgeq: s[what] / MB,
        baseline: base[what] / MB,
        // The parts explain the RSS; the goal is on the whole.
        ...(goals && (what === "heap" || what === "rss") ? { goal } : {}),
      });
  };
  for (const s of samples.slice(1)) pair(s, first, GROWTH_GOAL);
  const last = samples[samples.length - 1]!;
  const before = samples[samples.length - 2];
  if (before && before !== first) pair(last, before, FLAT_GOAL);
  return out;
}

await main();
