import { type Figure, measure, progress, row } from "./measure.js";
import { append, openBroker, rawWrites, read, receiveAndAck } from "./scenarios.js";
import { wakeRows } from "./wake.js";

/**
 * `npm run bench -w @edgeq/core`: the engine's throughput on MemoryStore,
 * next to the store's own limit (raw writes of the same records), and the
 * same operations with a large log behind them against an empty one. Every
 * baseline is measured in this run; nothing here asserts a speed.
 */
const LOG = Number(process.env.EDGEQ_BENCH_LOG_SIZE ?? 1_000_000);
const N = Number(process.env.EDGEQ_BENCH_MESSAGES ?? 20_000);
/** Queue sizes of the wake rows: producers remembered, or delayed messages waiting. */
const WAKE = (process.env.EDGEQ_BENCH_WAKE ?? "10000,100000,200000").split(",").map(Number);
/** `wake` runs only the wake rows. */
const ONLY = process.env.EDGEQ_BENCH_ONLY;

async function main() {
  if (ONLY === "wake") return printWake();
  const table: string[] = [];
  const widths = [34, 12, 12, 8];
  table.push(row(["scenario", "msg/s", "vs raw", ""], widths));

  progress("raw MemoryStore writes…");
  const raw: Record<number, Figure> = {};
  for (const batch of [1, 10, 100]) {
    const { store } = await openBroker();
    raw[batch] = await measure(N, () => rawWrites(store, N, batch));
  }
  for (const batch of [1, 10, 100]) {
    progress(`append, batch ${batch}…`);
    const { broker } = await openBroker();
    const f = await measure(N, () => append(broker, N, batch));
    table.push(row([`append, batch ${batch}`, f.perSecond, ratio(f, raw[batch]!), ""], widths));
  }
  {
    progress("append, 64 concurrent producers…");
    const { broker, store } = await openBroker();
    const f = await measure(N, () => append(broker, N, 1, 64));
    const writesPerMessage = (await store.scan({ prefix: "seg|" })).length / (4 * N);
    // Goal (issue 11): 64 producers sending one message each at once, at least half the
    // rate of raw single-record writes.
    const ok = f.perSecond / raw[1]!.perSecond >= 0.5 ? "ok" : "MISSED";
    table.push(
      row(["append, batch 1 x 64 concurrent", f.perSecond, ratio(f, raw[1]!), ok], widths),
    );
    table.push("  (goal for the row above: >= 0.50x raw writes at batch 1)");
    progress(`  (group commit: ${writesPerMessage.toFixed(3)} segment records per message)`);
  }

  // Both logs are built the same way (batches of 1,000, so segments of 1,000),
  // so the only difference between the two columns is what lies behind.
  progress(`building a log of ${LOG.toLocaleString("en")} messages…`);
  const big = await openBroker();
  await append(big.broker, LOG, 1000);
  const small = await openBroker();
  await append(small.broker, N, 1000);
  const middle = Math.floor(LOG / 2);

  const compare: Array<[string, Figure, Figure]> = [];
  progress("append with the large log vs a small one…");
  compare.push([
    "append, batch 100",
    await measure(N, () => append(small.broker, N, 100)),
    await measure(N, () => append(big.broker, N, 100)),
  ]);
  progress("read with the large log vs a small one…");
  compare.push([
    "read, 1,000 per call",
    await measure(N, () => read(small.broker, 0, N)),
    await measure(N, () => read(big.broker, middle, N)),
  ]);
  // A consumer's offset is anywhere in a segment: its pages straddle two of them.
  compare.push([
    "read, 1,000 per call, mid-segment",
    await measure(N, () => read(small.broker, 0, N)),
    await measure(N, () => read(big.broker, middle + 500, N)),
  ]);
  progress("receive + ack with the large log vs a small one…");
  compare.push([
    "receive 100 + ack",
    await measure(N, () => receiveAndAck(small.broker, 0, N)),
    await measure(N, () => receiveAndAck(big.broker, middle, N)),
  ]);

  const w2 = [34, 12, 12, 8];
  const second = [row(["scenario", `${short(N)} log`, `${short(LOG)} log`, "ratio"], w2)];
  for (const [name, e, b] of compare)
    second.push(row([name, e.perSecond, b.perSecond, (b.perSecond / e.perSecond).toFixed(2)], w2));

  const out = [
    `\nedgeq core on MemoryStore (${N.toLocaleString("en")} messages per measurement, median of 3)\n`,
    table.join("\n"),
    `\nwith ${LOG.toLocaleString("en")} messages already in the log (goal: ratio >= 0.90)\n`,
    second.join("\n"),
    "\n",
  ];
  process.stdout.write(out.join("\n"));
  await printWake();
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

function ratio(f: Figure, base: Figure): string {
  return `${(f.perSecond / base.perSecond).toFixed(2)}x`;
}

function short(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
}

await main();
