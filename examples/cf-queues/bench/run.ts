// One command: the same producer and consumer code (worker/app.ts) on
// Miniflare's local Cloudflare Queues and on edgeq, in one Miniflare each,
// messages per second end to end (first send → last handler ack).
import { fileURLToPath } from "node:url";
import { Miniflare, type WorkerOptions } from "miniflare";
import { type Row, recordRows, table } from "../../../packages/worker/bench/table.js";
import { brokerWorker, bundleWorker } from "../../../packages/worker/test-node/local-broker.js";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const COUNT = Number(process.env.BENCH_COUNT ?? 2000);
/** Runs per cell; the median is printed (the machine is shared, single runs are noisy). */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Queue counts of the edgeq topic to measure (edgeq's default is 4; a Cloudflare queue is one topic). */
const QUEUE_COUNTS = (process.env.BENCH_QUEUES ?? "1,4").split(",").map(Number);
/** Cloudflare's published per-queue throughput (docs: Queues limits). */
const CLOUDFLARE_PUBLISHED = 5000;

async function measure(mf: Miniflare, batch: number): Promise<number> {
  await mf.dispatchFetch("http://app/reset");
  const started = performance.now();
  const sending = mf.dispatchFetch(`http://app/send?count=${COUNT}&batch=${batch}`);
  // Bounded wait for the last ack: at most 120 s.
  for (;;) {
    const { acked } = (await (await mf.dispatchFetch("http://app/count")).json()) as {
      acked: number;
    };
    if (acked >= COUNT) break;
    if (performance.now() - started > 120_000)
      throw new Error(`only ${acked}/${COUNT} acked in 120 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await (await sending).text();
  return (COUNT / (performance.now() - started)) * 1000;
}

async function native(batch: number): Promise<number> {
  const app = await bundleWorker(here("./worker/native.ts"));
  const mf = new Miniflare({
    name: "app",
    modules: true,
    scriptPath: app.scriptPath,
    modulesRoot: app.dir,
    compatibilityDate: "2026-04-01",
    queueProducers: { JOBS: { queueName: "jobs" } },
    queueConsumers: { jobs: { maxBatchSize: batch, maxBatchTimeout: 1, maxRetries: 3 } },
  });
  try {
    await mf.ready;
    return await measure(mf, batch);
  } finally {
    await mf.dispose();
  }
}

async function edgeq(batch: number, queues: number): Promise<number> {
  const [edgeqWorker, app] = await Promise.all([
    brokerWorker({ topics: { jobs: { queueCount: queues } } }),
    bundleWorker(here("./worker/edgeq.ts")),
  ]);
  const workers: WorkerOptions[] = [
    {
      name: "app",
      modules: true,
      scriptPath: app.scriptPath,
      modulesRoot: app.dir,
      compatibilityDate: "2026-04-01",
      serviceBindings: { EDGEQ: { name: "edgeq", entrypoint: "EdgeqRpc" } },
      durableObjects: {
        CONSUMER_10: { className: "Consumer10", useSQLite: true },
        CONSUMER_100: { className: "Consumer100", useSQLite: true },
      },
    },
    edgeqWorker,
  ];
  const mf = new Miniflare({ workers });
  try {
    await mf.ready;
    await mf.dispatchFetch(`http://app/start?batch=${batch}`);
    return await measure(mf, batch);
  } finally {
    await mf.dispose();
  }
}

async function median(run: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i++) rates.push(await run());
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

const rows: string[] = [];
const benchRows: Row[] = [];
console.log(
  `${COUNT} messages per run, send → handler acked, one producer, one consumer; median of ${RUNS} runs`,
);
for (const batch of [10, 100]) {
  const mfRate = await median(() => native(batch));
  for (const queues of QUEUE_COUNTS) {
    const eqRate = await median(() => edgeq(batch, queues));
    benchRows.push({
      scenario: `Queues-style send → handler → ack vs Miniflare local Queues, ${queues} queue(s)`,
      batch,
      clients: 1,
      unit: "msg/s",
      edgeq: eqRate,
      baseline: mfRate,
      // Issue 27's goal: the one-queue topic at batch 100, while durable (Miniflare's is in memory).
      ...(batch === 100 && queues === 1 ? { goal: { min: 0.9 } } : {}),
    });
    rows.push(
      `| ${batch} | ${queues} | ${mfRate.toFixed(0)} | ${eqRate.toFixed(0)} | ${(eqRate / mfRate).toFixed(2)} | ${(eqRate / CLOUDFLARE_PUBLISHED).toFixed(2)} |`,
    );
  }
}
console.log(
  "| batch | edgeq topic queues | Miniflare local Queues msg/s | edgeq msg/s | edgeq / Miniflare | edgeq / 5,000 (Cloudflare's published per-queue figure) |",
);
console.log("|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
console.log(`\n${table(benchRows)}`);
recordRows("cf-queues", benchRows);
process.exit(0);
