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
