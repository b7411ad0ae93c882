import type { ReadResult, TopicStats } from "@edgeq/core";
import { ownValue } from "@edgeq/core/util";

/** What the metrics read: a topic's stats and its queues by offset (a Transport or a TopicRouter fits). */
export interface MetricsSource {
  stats(): Promise<TopicStats>;
  read(queueId: number, options: { from: number; limit: number }): Promise<ReadResult>;
}

/** Cloudflare's `QueueMetrics`: what is not yet acknowledged. */
export interface BacklogMetrics {
  backlogCount: number;
  backlogBytes: number;
  oldestMessageTimestamp?: Date;
}

/**
 * A topic's backlog from edgeq's stats, as Cloudflare defines it (messages
 * not yet acknowledged). edgeq keeps one log per topic and a cursor per
 * consumer group, so the backlog is a group's `lag`: everything from its
 * committed offset (the lowest message still in process) to the head, which
 * counts leased and retrying messages too.
 * Without a group, the group furthest behind; without any group, every
 * retained message. Bytes are the retained bytes in proportion (edgeq counts
 * bytes per queue, not per message).
 */
export function backlogOf(stats: TopicStats, group?: string): BacklogMetrics & { group?: string } {
  const retained = stats.queues.reduce((n, q) => n + (q.headOffset - q.minOffset), 0);
  const bytes = stats.queues.reduce((n, q) => n + q.bytes, 0);
  let chosen: string | undefined = group;
  if (chosen === undefined) {
    let worst = -1;
    for (const [name, g] of Object.entries(stats.groups)) {
      const count = g.lag;
      if (count > worst) [worst, chosen] = [count, name];
    }
  }
  const g = chosen === undefined ? undefined : ownValue(stats.groups, chosen);
  const backlogCount = g ? g.lag : retained;
  const backlogBytes =
    retained === 0 ? 0 : Math.round((bytes * Math.min(backlogCount, retained)) / retained);
  return { backlogCount, backlogBytes, ...(chosen === undefined ? {} : { group: chosen }) };
}

/**
 * `backlogOf` plus the oldest unacknowledged message's time: the message at
 * each queue's committed offset (the lowest still in process), one read each.
 */
export async function queueMetrics(source: MetricsSource, group?: string): Promise<BacklogMetrics> {
  const stats = await source.stats();
  const backlog = backlogOf(stats, group);
  const { group: chosen, ...metrics } = backlog;
  if (metrics.backlogCount === 0) return metrics;
  const g = chosen === undefined ? undefined : ownValue(stats.groups, chosen);
  const firsts = await Promise.all(
    stats.queues.map(async (q) => {
      const from = Math.max(g?.committedOffsets[String(q.queueId)] ?? q.minOffset, q.minOffset);
      if (from >= q.headOffset) return undefined;
      const { messages } = await source.read(q.queueId, { from, limit: 1 });
      return messages[0]?.producedAt;
    }),
  );
  const times = firsts.filter((t): t is number => t !== undefined);
  return times.length
    ? { ...metrics, oldestMessageTimestamp: new Date(Math.min(...times)) }
    : metrics;
}
