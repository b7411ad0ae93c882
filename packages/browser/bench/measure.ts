import { commands, server } from "vitest/browser";
import type { BenchRow } from "./setup/record-rows.js";

/** The message every browser bench sends: a small app event, numbered. */
export const body = (i: number) => ({
  type: "todo.updated",
  id: `todo-${i}`,
  title: "buy milk",
  done: i % 2 === 0,
});

/** One measured scenario: messages per second over a whole run. */
export interface Figure {
  name: string;
  messages: number;
  ms: number;
  perSecond: number;
}

/**
 * Runs `scenario` once to warm up (JIT, IndexedDB files), then `runs` times;
 * keeps the median. Slow baselines skip the warm-up: they take tens of seconds.
 */
export async function measure(
  name: string,
  messages: number,
  scenario: () => Promise<void>,
  { runs = 3, warmUp = true } = {},
): Promise<Figure> {
  if (warmUp) await scenario();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await scenario();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)]!;
  return { name, messages, ms, perSecond: Math.round((messages / ms) * 1000) };
}

export function table(rows: Figure[], baseline: (row: Figure) => Figure | undefined): string {
  const lines = rows.map((r) => {
    const base = baseline(r);
    const ratio = base ? `${(r.perSecond / base.perSecond).toFixed(1)}x ${base.name}` : "";
    return `${r.name.padEnd(46)} ${String(r.perSecond).padStart(9)} msg/s  ${ratio}`;
  });
  return lines.join("\n");
}

/** The median of `xs` (upper median for an even count). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `fn` and answers how long it took, in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * One line of a goal table: edgeq's rate against the baseline's (both from
 * this run, in msg/s or calls/s), its goal, and ok or MISSED. The row is also
 * kept for `recordGoalRows`, named after the engine that ran it.
 */
export function goalLine(
  name: string,
  rates: { edgeq: number; baseline: number; batch?: number },
  goal: number,
): string {
  const ratio = rates.edgeq / rates.baseline;
  kept.push({
    scenario: `${server.browser}: ${name}`,
    ...(rates.batch === undefined ? {} : { batch: rates.batch }),
    unit: "msg/s",
    edgeq: Math.round(rates.edgeq),
    baseline: Math.round(rates.baseline),
    goal: { min: goal },
  });
  return `${name.padEnd(58)} ${ratio.toFixed(2).padStart(6)}x  goal >= ${goal.toFixed(2)}  ${ratio >= goal ? "ok" : "MISSED"}`;
}

const kept: BenchRow[] = [];

/** Hands the goal rows printed so far to `npm run bench:all` (bench/setup/record-rows.ts). */
export async function recordGoalRows(): Promise<void> {
  await commands.recordRows(kept.splice(0));
}
