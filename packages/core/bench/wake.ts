import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ManualClock } from "../src/clock.js";
import { resolveTopicConfig } from "../src/engine/config.js";
import { QueueEngine } from "../src/engine/queue-engine.js";
import { normalizeAppend } from "../src/engine/validate.js";
import { MemoryStorage, openMemoryStore } from "../src/store/memory-store.js";
import { progress, row } from "./measure.js";

/**
 * Waking a queue (opening its engine over a store that already holds it) with
 * N producers remembered, or N delayed messages waiting, against waking an
 * empty queue: time (median of 5 opens) and the heap the woken engine keeps.
 * Goal (issue 11): at most +50 ms and +20 MB, whatever N.
 */
const TOPIC = "wake";
const config = resolveTopicConfig({ queueCount: 1 });
const HOUR = 60 * 60 * 1000;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function open(storage: MemoryStorage, clock: ManualClock): Promise<QueueEngine> {
  return QueueEngine.open(await openMemoryStore({ storage }), {
    topic: TOPIC,
    queueId: 0,
    config,
    clock,
  });
}

/** A queue's storage after `n` producers sent one message each (or `n` delayed messages). */
async function build(n: number, kind: "producers" | "scheduled"): Promise<MemoryStorage> {
  const storage = new MemoryStorage();
  const clock = new ManualClock();
  const engine = await open(storage, clock);
  const now = clock.now();
  const body = { type: "order.created", id: "order-0000" };
  if (kind === "producers") {
    for (let i = 0; i < n; i += 1000)
      await Promise.all(
        Array.from({ length: Math.min(1000, n - i) }, (_, j) =>
          engine.append(
            normalizeAppend(
              { producerId: `browser-${i + j}`, messages: [{ seq: 1, body }] },
              config,
              now,
            ),
          ),
        ),
      );
  } else {
    for (let i = 0; i < n; i += 1000)
      await engine.append(
        normalizeAppend(
          {
            messages: Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
              body,
              delayMs: HOUR + i + j,
            })),
          },
          config,
          now,
        ),
      );
  }
  await engine.close();
  return storage;
}

interface Wake {
  ms: number;
  heapMb: number;
}

async function wake(storage: MemoryStorage): Promise<Wake> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    const engine = await open(storage, new ManualClock());
    times.push(performance.now() - start);
    await engine.close();
  }
  times.sort((a, b) => a - b);
  const before = heapUsed();
  const engine = await open(storage, new ManualClock());
  const heapMb = (heapUsed() - before) / 2 ** 20;
  await engine.close();
  return { ms: times[2]!, heapMb };
}

/** The wake rows: each N against the empty queue, with the goal and ok/MISSED. */
export async function wakeRows(sizes: number[]): Promise<string[]> {
  const widths = [34, 10, 10, 10, 10, 8];
  const out = [row(["scenario", "wake ms", "vs empty", "heap MB", "vs empty", ""], widths)];
  progress("wake, empty queue…");
  const empty = await wake(await build(0, "producers"));
  out.push(
    row(["wake, empty queue", empty.ms.toFixed(2), "", empty.heapMb.toFixed(2), "", ""], widths),
  );
  for (const kind of ["producers", "scheduled"] as const)
    for (const n of sizes) {
      progress(`wake, ${n.toLocaleString("en")} ${kind}…`);
      const w = await wake(await build(n, kind));
      const dMs = w.ms - empty.ms;
      const dMb = w.heapMb - empty.heapMb;
      const ok = dMs <= 50 && dMb <= 20;
      out.push(
        row(
          [
            `wake, ${n.toLocaleString("en")} ${kind === "producers" ? "producers" : "delayed msgs"}`,
            w.ms.toFixed(2),
            signed(dMs),
            w.heapMb.toFixed(2),
            signed(dMb),
            ok ? "ok" : "MISSED",
          ],
          widths,
        ),
      );
    }
  return out;
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
}
