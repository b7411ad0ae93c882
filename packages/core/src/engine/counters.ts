import type { GroupTotals, QueueTotals } from "../model.js";

/**
 * Running totals a monitoring system turns into rates (Prometheus counters).
 * They live in records the engine writes anyway (the queue's meta record, a
 * group's record), so they survive a restart and cost no extra write on the
 * paths that already write those records; an ack adds its group record to
 * its batch. Absent in records written before totals existed: counted from 0.
 */
export function queueTotals(meta: { totals?: QueueTotals }): QueueTotals {
  meta.totals ??= { produced: 0, duplicates: 0 };
  return meta.totals;
}

export function groupTotals(record: { totals?: GroupTotals }): GroupTotals {
  record.totals ??= { delivered: 0, redelivered: 0, acked: 0, deadLettered: {} };
  return record.totals;
}
