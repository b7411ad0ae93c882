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

export function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

export function row(cells: Array<string | number>, widths: number[]): string {
  return cells
    .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!)))
    .join("  ");
}
