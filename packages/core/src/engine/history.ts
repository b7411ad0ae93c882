import type { GroupTotals, QueueTotals } from "../model.js";

/** Minutes of per-minute samples a queue keeps: 25 h, so a 24 h chart is full. */
export const HISTORY_MINUTES = 1_500;
/** One minute in ms: the length of a history sample. */
export const MINUTE_MS = 60_000;

/**
 * A queue's state at the end of one minute (`m`, minutes since the epoch):
 * what a chart of lag and rates needs. Counters are running totals (a chart
 * draws their differences); lag is `head − committed`.
 */
export interface HistorySample {
  m: number;
  head: number;
  /** Lowest retained offset: a group that never touched the queue lags by `head − min`. */
  min: number;
  produced: number;
  groups: Record<string, { committed: number; delivered: number; acked: number; dead: number }>;
}

/** What a sample is taken from (the engine's `QueueState`). */
export interface SampledState {
  meta: { head: number; minOffset: number; totals?: QueueTotals };
  groups: ReadonlyMap<
    string,
    {
      committedOffset(minOffset: number): number;
      record: { totals?: GroupTotals };
    }
  >;
}

export function sampleOf(s: SampledState, m: number): HistorySample {
  const groups: HistorySample["groups"] = {};
  for (const [name, g] of s.groups) {
    const t = g.record.totals;
    const dead = t ? Object.values(t.deadLettered).reduce((n, c) => n + (c ?? 0), 0) : 0;
    groups[name] = {
      committed: g.committedOffset(s.meta.minOffset),
      delivered: t?.delivered ?? 0,
      acked: t?.acked ?? 0,
      dead,
    };
  }
  return {
    m,
    head: s.meta.head,
    min: s.meta.minOffset,
    produced: s.meta.totals?.produced ?? 0,
    groups,
  };
}

/** A topic's history: one value a minute from `from` (ms) on, `stepMs` apart, summed over its queues. */
export interface TopicHistory {
  topic: string;
  stepMs: number;
  from: number;
  /** Messages stored, running total. */
  produced: number[];
  groups: Record<
    string,
    { lag: number[]; delivered: number[]; acked: number[]; deadLettered: number[] }
  >;
}

/**
 * Sums the queues' samples into one series per figure, minute by minute from
 * `fromMinute` to `toMinute`. A queue writes a sample only at its first
 * change of a minute (the state it had at the end of the minute before), so
 * between two samples nothing changed: the value at minute x is the first
 * sample at or after x. Before a queue's first sample (the queue or its
 * history is younger than the window), its first sample's values stand.
 * Each queue's list must be sorted by minute and end with its live sample.
 */
export function mergeHistory(
  topic: string,
  perQueue: readonly HistorySample[][],
  fromMinute: number,
  toMinute: number,
): TopicHistory {
  const length = Math.max(0, toMinute - fromMinute + 1);
  const names = new Set(
    perQueue.flatMap((samples) => samples.flatMap((s) => Object.keys(s.groups))),
  );
  const zeros = () => new Array<number>(length).fill(0);
  const out: TopicHistory = {
    topic,
    stepMs: MINUTE_MS,
    from: fromMinute * MINUTE_MS,
    produced: zeros(),
    groups: {},
  };
  for (const name of [...names].sort())
    out.groups[name] = { lag: zeros(), delivered: zeros(), acked: zeros(), deadLettered: zeros() };
  for (const samples of perQueue) {
    let i = 0;
    for (let x = 0; x < length; x++) {
      while (i < samples.length - 1 && samples[i]!.m < fromMinute + x) i++;
      const s = samples[i];
      if (!s) break;
      out.produced[x]! += s.produced;
      for (const [name, series] of Object.entries(out.groups)) {
        const g = s.groups[name];
        // A group that has not touched this queue: its whole retained log is lag, as in stats.
        series.lag[x]! += Math.max(0, s.head - (g ? g.committed : s.min));
        if (!g) continue;
        series.delivered[x]! += g.delivered;
        series.acked[x]! += g.acked;
        series.deadLettered[x]! += g.dead;
      }
    }
  }
  return out;
}
