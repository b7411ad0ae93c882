import type { TopicStats } from "@edgeq/core";

/** One metric family in the Prometheus text format (version 0.0.4). */
export interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram";
  help: string;
  samples: Sample[];
}

export interface Sample {
  /** A suffix of a histogram's series: `_bucket`, `_sum`, `_count`. */
  suffix?: string;
  labels: Record<string, string>;
  value: number;
}

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Families in the text format: HELP and TYPE once each, then their samples. */
export function render(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples)
      lines.push(`${f.name}${s.suffix ?? ""}${labelText(s.labels)} ${num(s.value)}`);
  }
  return `${lines.join("\n")}\n`;
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** The text format's escapes inside a label value: backslash, double quote, newline. */
export function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function num(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  return Number.isFinite(v) ? String(v) : "NaN";
}

/** A family builder: `add` appends a sample; families come out in the order they were first named. */
export class Families {
  readonly #byName = new Map<string, Family>();

  add(
    name: string,
    type: Family["type"],
    help: string,
    labels: Record<string, string>,
    value: number,
    suffix?: string,
  ): void {
    let f = this.#byName.get(name);
    if (!f) {
      f = { name, type, help, samples: [] };
      this.#byName.set(name, f);
    }
    f.samples.push({ labels, value, ...(suffix ? { suffix } : {}) });
  }

  get list(): Family[] {
    return [...this.#byName.values()];
  }
}

/**
 * A topic's series from one `stats()` call (docs/protocol.md, "Metrics"): per
 * queue its offsets, size and produce totals, per group and queue its
 * progress and delivery totals, per replica its lag.
 */
export function topicFamilies(out: Families, stats: TopicStats): void {
  const topic = stats.topic;
  for (const q of stats.queues) {
    const l = { topic, queue: String(q.queueId) };
    const t = q.totals;
    out.add(
      "edgeq_messages_produced_total",
      "counter",
      "Messages stored in the queue, delayed and committed transactional ones included.",
      l,
      t?.produced ?? 0,
    );
    out.add(
      "edgeq_messages_duplicate_total",
      "counter",
      "Messages refused as a retry of a producer seq already stored.",
      l,
      t?.duplicates ?? 0,
    );
    out.add(
      "edgeq_queue_messages",
      "gauge",
      "Messages retained in the queue's log (head offset minus lowest retained offset).",
      l,
      q.headOffset - q.minOffset,
    );
    out.add("edgeq_queue_head_offset", "gauge", "Next offset the queue assigns.", l, q.headOffset);
    out.add(
      "edgeq_queue_scheduled_messages",
      "gauge",
      "Delayed messages not yet visible.",
      l,
      q.scheduled,
    );
    out.add("edgeq_queue_bytes", "gauge", "Bytes of the queue's retained log.", l, q.bytes);
    out.add(
      "edgeq_queue_pending_transactions",
      "gauge",
      "Transactions begun and not yet decided.",
      l,
      q.pendingTransactions,
    );
    for (const r of q.replication?.replicas ?? []) {
      const rl = { ...l, replica: String(r.replica) };
      out.add(
        "edgeq_replica_lag_batches",
        "gauge",
        "Write batches the replica has not acknowledged yet.",
        rl,
        r.lagBatches,
      );
      out.add(
        "edgeq_replica_lag_seconds",
        "gauge",
        "Age of the oldest write batch the replica has not acknowledged.",
        rl,
        r.lagMs / 1000,
      );
    }
  }
  for (const [group, g] of Object.entries(stats.groups))
    for (const gq of g.queues) {
      const l = { topic, group, queue: String(gq.queueId) };
      out.add(
        "edgeq_group_lag_messages",
        "gauge",
        "Messages from the group's committed offset to the head (leased and retrying ones included).",
        l,
        gq.lag,
      );
      out.add(
        "edgeq_group_in_flight_messages",
        "gauge",
        "Messages leased to the group's consumers now.",
        l,
        gq.inFlight,
      );
      out.add(
        "edgeq_group_retrying_messages",
        "gauge",
        "Messages waiting for their retry.",
        l,
        gq.retrying,
      );
      out.add(
        "edgeq_group_waiting_messages",
        "gauge",
        "Messages held back by their key's order or flow limit.",
        l,
        gq.waiting ?? 0,
      );
      out.add(
        "edgeq_group_dead_letter_messages",
        "gauge",
        "Messages in the group's dead letters now.",
        l,
        gq.deadLetters,
      );
      out.add(
        "edgeq_group_committed_offset",
        "gauge",
        "Lowest offset of the queue the group has not finished.",
        l,
        gq.committedOffset,
      );
      out.add("edgeq_group_paused", "gauge", "1 while the group is paused.", l, gq.paused ? 1 : 0);
      const t = gq.totals;
      out.add(
        "edgeq_messages_delivered_total",
        "counter",
        "Leases handed to the group's consumers (lease mode).",
        l,
        t?.delivered ?? 0,
      );
      out.add(
        "edgeq_messages_redelivered_total",
        "counter",
        "Leases of a message delivered to the group before.",
        l,
        t?.redelivered ?? 0,
      );
      out.add(
        "edgeq_messages_acked_total",
        "counter",
        "Messages the group acknowledged.",
        l,
        t?.acked ?? 0,
      );
      for (const reason of ["max_reconsume_times", "expired"] as const)
        out.add(
          "edgeq_messages_dead_lettered_total",
          "counter",
          "Messages moved to the group's dead letters, by reason.",
          { ...l, reason },
          t?.deadLettered[reason] ?? 0,
        );
    }
}
