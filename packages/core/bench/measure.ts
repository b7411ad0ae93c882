import { appendFileSync } from "node:fs";

export interface Figure {
  messages: number;
  ms: number;
  perSecond: number;
}

/** Times `run` (which handles `messages` messages): median of `reps` after one warm-up. */
export async function measure(
  messages: number,
  run: () => Promise<void>,
  reps = 3,
  setup?: () => Promise<void>,
): Promise<Figure> {
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    await setup?.();
    const start = performance.now();
    await run();
    const ms = performance.now() - start;
    if (i > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)]!;
  return { messages, ms, perSecond: Math.round((messages / ms) * 1000) };
}

/**
 * A candidate and its baseline, alternated rep by rep after one warm-up of
 * each, so a shared machine's noise (and the heap's growth) hits both alike:
 * the median of `reps` of each.
 */
export async function measurePair(
  messages: number,
  candidate: () => Promise<void>,
  baseline: () => Promise<void>,
  reps = 5,
): Promise<{ candidate: Figure; baseline: Figure }> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i <= reps; i++)
    for (const [side, run] of [candidate, baseline].entries()) {
      const start = performance.now();
      await run();
      if (i > 0) times[side]!.push(performance.now() - start);
    }
  const figure = (ms: number[]): Figure => {
    const sorted = [...ms].sort((x, y) => x - y);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return { messages, ms: median, perSecond: Math.round((messages / median) * 1000) };
  };
  return { candidate: figure(times[0]), baseline: figure(times[1]) };
}

export function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function row(cells: Array<string | number>, widths: number[]): string {
  return cells
    .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!)))
    .join("  ");
}

/** What a row must show: edgeq / baseline at least `min`. */
export interface Goal {
  min: number;
}

/** One measure against its baseline, the shape the worker's benches print (packages/worker/bench/table.ts). */
export interface Row {
  scenario: string;
  batch?: number;
  clients?: number;
  unit: "msg/s";
  edgeq: number;
  baseline: number;
  goal?: Goal;
}

/** The rows as an aligned text table: ratio, goal, ok or MISSED. */
export function table(rows: readonly Row[]): string {
  const widths = [58, 6, 8, 10, 10, 8, 8, 6];
  const head = ["scenario", "batch", "clients", "edgeq", "baseline", "vs base", "goal", ""];
  const lines = rows.map((r) => {
    const ratio = r.edgeq / r.baseline;
    const verdict = r.goal === undefined ? "" : ratio >= r.goal.min ? "ok" : "MISSED";
    return row(
      [
        r.scenario,
        r.batch ?? "",
        r.clients ?? "",
        r.edgeq.toLocaleString("en"),
        r.baseline.toLocaleString("en"),
        `${ratio.toFixed(2)}x`,
        r.goal === undefined ? "" : `>= ${r.goal.min.toFixed(2)}x`,
        verdict,
      ],
      widths,
    );
  });
  return [row(head, widths), ...lines].join("\n");
}

/**
 * Hands the rows to `npm run bench:all` (scripts/bench-all.mjs), which names
 * a file in EDGEQ_BENCH_ROWS: one JSON line per row, under `suite`.
 */
export function recordRows(suite: string, rows: readonly Row[]): void {
  const file = process.env.EDGEQ_BENCH_ROWS;
  if (!file) return;
  appendFileSync(file, rows.map((r) => `${JSON.stringify({ suite, ...r })}\n`).join(""));
}
