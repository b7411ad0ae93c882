import {
  type Figure,
  type Goal,
  measurePair,
  progress,
  type Row,
  recordRows,
  table,
} from "./measure.js";
import { append, openBroker, rawWrites, read, receiveAndAck } from "./scenarios.js";
import { wakeRows } from "./wake.js";

/**
 * `npm run bench -w @edgeq/core`: the engine's throughput on MemoryStore,
 * next to the store's own limit (raw writes of the same records), and the
 * same operations with a large log behind them against an empty one. Every
 * baseline is measured in this run, alternated with its candidate (each
 * figure the median of EDGEQ_BENCH_REPS, default 5, after a warm-up); rows with a goal print ok or MISSED, nothing asserts a speed.
 */
const LOG = Number(process.env.EDGEQ_BENCH_LOG_SIZE ?? 1_000_000);
const N = Number(process.env.EDGEQ_BENCH_MESSAGES ?? 20_000);
/** Queue sizes of the wake rows: producers remembered, or delayed messages waiting. */
const WAKE = (process.env.EDGEQ_BENCH_WAKE ?? "10000,100000,200000").split(",").map(Number);
/** `wake` runs only the wake rows. */
const ONLY = process.env.EDGEQ_BENCH_ONLY;
/** Repetitions of each side, whose median is printed. */
const REPS = Number(process.env.EDGEQ_BENCH_REPS ?? 5);
/** Issue 11's and 27's: 64 one-message producers at half the raw rate at least. */
const CONCURRENT_GOAL: Goal = { min: 0.5 };
/** A large log behind costs at most 10%. */
const LARGE_LOG_GOAL: Goal = { min: 0.9 };

async function main() {
  if (ONLY === "wake") return printWake();
  const rows: Row[] = [];
  for (const batch of [1, 10, 100]) {
    progress(`append, batch ${batch}, vs raw MemoryStore writes…`);
    const { broker } = await openBroker();
    const { store } = await openBroker();
    const f = await measurePair(
      N,
      () => append(broker, N, batch),
      () => rawWrites(store, N, batch),
      REPS,
    );
    rows.push(vs("append vs raw store writes", f, { batch, clients: 1 }));
  }
  {
    progress("append, 64 concurrent producers, vs raw writes of batch 1…");
    const { broker, store } = await openBroker();
    const raw = await openBroker();
    const f = await measurePair(
      N,
      () => append(broker, N, 1, 64),
      () => rawWrites(raw.store, N, 1),
      REPS,
    );
    const segments = (await store.scan({ prefix: "seg|" })).length / ((REPS + 1) * N);
    rows.push(
      vs("append, 64 concurrent 1-message producers vs raw", f, {
        batch: 1,
        clients: 64,
        goal: CONCURRENT_GOAL,
      }),
    );
    progress(`  (group commit: ${segments.toFixed(3)} segment records per message)`);
  }

  // Both logs are built the same way (batches of 1,000, so segments of 1,000),
  // so the only difference between the two sides is what lies behind.
  progress(`building a log of ${LOG.toLocaleString("en")} messages…`);
  const big = await openBroker();
  await append(big.broker, LOG, 1000);
  const small = await openBroker();
  await append(small.broker, N, 1000);
  const middle = Math.floor(LOG / 2);
  const size = short(LOG);
  const against = `${size} log vs ${short(N)}`;

  progress("append with the large log vs a small one…");
  rows.push(
    vs(
      `append, ${against}`,
      await measurePair(
        N,
        () => append(big.broker, N, 100),
        () => append(small.broker, N, 100),
        REPS,
      ),
      { batch: 100, goal: LARGE_LOG_GOAL },
    ),
  );
  progress("read with the large log vs a small one…");
  rows.push(
    vs(
      `read 1,000 per call, ${against}`,
      await measurePair(
        N,
        () => read(big.broker, middle, N),
        () => read(small.broker, 0, N),
        REPS,
      ),
      { batch: 1000, goal: LARGE_LOG_GOAL },
    ),
  );
  // A consumer's offset is anywhere in a segment: its pages straddle two of them.
  rows.push(
    vs(
      `read 1,000 per call from mid-segment, ${against} aligned`,
      await measurePair(
        N,
        () => read(big.broker, middle + 500, N),
        () => read(small.broker, 0, N),
        REPS,
      ),
      { batch: 1000, goal: LARGE_LOG_GOAL },
    ),
  );
  progress("receive + ack with the large log vs a small one…");
  rows.push(
    vs(
      `receive 100 + ack, ${against}`,
      await measurePair(
        N,
        () => receiveAndAck(big.broker, middle, N),
        () => receiveAndAck(small.broker, 0, N),
        REPS,
      ),
      { batch: 100, goal: LARGE_LOG_GOAL },
    ),
  );

  recordRows("core", rows);
  process.stdout.write(
    `\nedgeq core on MemoryStore (${N.toLocaleString("en")} messages per measurement, ` +
      `median of ${REPS}, each side alternated with its baseline)\n` +
      "baselines in this run: raw MemoryStore writes of the same records; a log of " +
      `${short(N)} built the same way as the ${size} one.\n\n${table(rows)}\n\n`,
  );
  await printWake();
}

function vs(
  scenario: string,
  f: { candidate: Figure; baseline: Figure },
  extra: Pick<Row, "batch" | "clients" | "goal">,
): Row {
  return {
    scenario,
    unit: "msg/s",
    edgeq: f.candidate.perSecond,
    baseline: f.baseline.perSecond,
    ...extra,
  };
}

async function printWake() {
  const rows = await wakeRows(WAKE);
  process.stdout.write(
    [
      "\nwaking a queue with N producers remembered or N delayed messages waiting, vs an empty queue",
      "(goal: at most +50 ms and +20 MB; wake time median of 5 opens, heap kept by the woken engine)\n",
      rows.join("\n"),
      "\n",
    ].join("\n"),
  );
}

function short(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
}

await main();
