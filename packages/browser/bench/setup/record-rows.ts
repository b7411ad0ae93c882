import { appendFileSync } from "node:fs";
import type { BrowserCommand } from "vitest/node";

/** A row as `npm run bench:all` reads it (packages/worker/bench/table.ts, `Row`). */
export interface BenchRow {
  scenario: string;
  batch?: number;
  unit: "msg/s";
  edgeq: number;
  baseline: number;
  goal: { min: number };
}

/**
 * The `recordRows` command: a browser bench's goal rows, handed to
 * `npm run bench:all` through the file EDGEQ_BENCH_ROWS names (one JSON line
 * per row, suite "browser"). Runs in Node: a page cannot write files.
 */
export const recordRows: BrowserCommand<[rows: BenchRow[]]> = (_ctx, rows) => {
  const file = process.env.EDGEQ_BENCH_ROWS;
  if (!file) return;
  appendFileSync(
    file,
    rows.map((row) => `${JSON.stringify({ suite: "browser", ...row })}\n`).join(""),
  );
};
