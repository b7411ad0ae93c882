import { appendFileSync } from "node:fs";

/**
 * The benchmarks' report: one row per measure, edgeq against a baseline
 * measured in the same run, with the goal and whether it was met.
 */

/**
 * What a row must show against its baseline: a ratio edgeq / baseline of at
 * least `min` (throughput) or at most `max` (latency), or a growth
 * edgeq − baseline of at most `maxGrowth` (memory).
 */
export type Goal =
  | { min: number }
  | { max: number }
  | { maxGrowth: number }
  /** The ratio within this much of 1 (an accuracy). */
  | { within: number };

export interface Row {
  scenario: string;
  /** Messages per request, where it applies. */
  batch?: number;
  /** Concurrent producers or consumers, where it applies. */
  clients?: number;
  unit: "msg/s" | "ms" | "MB";
  edgeq: number;
  baseline?: number;
  goal?: Goal;
}

/** Whether `row` met its goal; undefined for a row without one. */
export function verdict(row: Row): "ok" | "MISSED" | undefined {
  const { goal, baseline, edgeq } = row;
  if (goal === undefined || baseline === undefined) return undefined;
  const met =
    "min" in goal
      ? edgeq / baseline >= goal.min
      : "max" in goal
        ? edgeq / baseline <= goal.max
        : "within" in goal
          ? Math.abs(edgeq / baseline - 1) <= goal.within
          : edgeq - baseline <= goal.maxGrowth;
  return met ? "ok" : "MISSED";
}

/** The rows as an aligned text table. */
export function table(rows: readonly Row[]): string {
  const num = (n: number | undefined, unit: Row["unit"]) =>
    n === undefined
      ? "—"
      : n.toLocaleString("en", { maximumFractionDigits: unit === "msg/s" ? 0 : 1 });
  const cells = rows.map((r) => {
    const growth = r.unit === "MB";
    const compared =
      r.baseline === undefined
        ? "—"
        : growth
          ? `${r.edgeq >= r.baseline ? "+" : ""}${(r.edgeq - r.baseline).toFixed(1)}`
          : `${(r.edgeq / r.baseline).toFixed(2)}x`;
    const goal =
      r.goal === undefined
        ? ""
        : "min" in r.goal
          ? `>= ${r.goal.min.toFixed(2)}x`
          : "max" in r.goal
            ? `<= ${r.goal.max.toFixed(2)}x`
            : "within" in r.goal
              ? `1 ± ${r.goal.within.toFixed(2)}`
              : `<= +${r.goal.maxGrowth}`;
    return [
      r.scenario,
      r.batch === undefined ? "" : String(r.batch),
      r.clients === undefined ? "" : String(r.clients),
      r.unit,
      num(r.edgeq, r.unit),
      num(r.baseline, r.unit),
      compared,
      goal,
      verdict(r) ?? "",
    ];
  });
  const head = ["scenario", "batch", "clients", "unit", "edgeq", "baseline", "vs base", "goal", ""];
  return formatTable(head, cells);
}

/** A text table: the first column left-aligned, the others right-aligned. */
function formatTable(head: readonly string[], cells: readonly string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  ");
  return [line(head), ...cells.map(line)].join("\n");
}

/**
 * Hands the rows to `npm run bench:all` (scripts/bench-all.mjs), which names
 * a file in EDGEQ_BENCH_ROWS: one JSON line per row, under `suite`, for its
 * Markdown table. Without the variable nothing is written.
 */
export function recordRows(suite: string, rows: readonly Row[]): void {
  const file = process.env.EDGEQ_BENCH_ROWS;
  if (!file) return;
  appendFileSync(file, rows.map((row) => `${JSON.stringify({ suite, ...row })}\n`).join(""));
}
