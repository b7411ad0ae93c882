/** One measured case of a benchmark: edgeq's rate, its baseline's and the goal for their ratio. */
export interface Row {
  scenario: string;
  batch: number;
  clients: number;
  edgeq: number;
  /** What edgeq is compared with (raw INSERTs, an empty-start queue, no replication); none for some rows. */
  baseline?: number;
  goal?: number;
}

/** The rows as an aligned text table, with each ratio, its goal and ok/MISSED. */
export function table(rows: readonly Row[]): string {
  const fmt = (n: number | undefined) =>
    n === undefined ? "—" : Math.round(n).toLocaleString("en");
  const cells = rows.map((r) => {
    const ratio = r.baseline === undefined ? undefined : r.edgeq / r.baseline;
    return [
      r.scenario,
      String(r.batch),
      String(r.clients),
      fmt(r.edgeq),
      fmt(r.baseline),
      ratio === undefined ? "—" : ratio.toFixed(2),
      r.goal === undefined ? "" : `>= ${r.goal.toFixed(2)}`,
      r.goal === undefined || ratio === undefined ? "" : ratio >= r.goal ? "ok" : "MISSED",
    ];
  });
  const head = [
    "scenario",
    "batch",
    "clients",
    "edgeq msg/s",
    "baseline msg/s",
    "ratio",
    "goal",
    "",
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join("  ");
  return [line(head), ...cells.map(line)].join("\n");
}
