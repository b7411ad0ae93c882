import { FAULT_KINDS, type FaultKind } from "./chaos-proxy.js";
import { runSchedule, type ScheduleOptions, type ScheduleReport } from "./schedule.js";

export interface ChaosSummary {
  schedules: number;
  messages: number;
  failedSends: number;
  faults: Record<FaultKind, number>;
  restarts: number;
  crashes: number;
  storageLosses: number;
  lost: number;
  duplicated: number;
  misordered: number;
  unprocessed: number;
  skipped: number;
  redeliveries: number;
  /** Schedules that broke an invariant, with their seeds to replay. */
  failures: ScheduleReport[];
}

/** Runs `schedules` seeded schedules (seed, seed + 1, …) and sums their reports. */
export async function runChaos(
  schedules: number,
  seed: number,
  onSchedule?: (report: ScheduleReport, index: number) => void,
  options: ScheduleOptions = {},
): Promise<ChaosSummary> {
  const summary: ChaosSummary = {
    schedules: 0,
    messages: 0,
    failedSends: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    restarts: 0,
    crashes: 0,
    storageLosses: 0,
    lost: 0,
    duplicated: 0,
    misordered: 0,
    unprocessed: 0,
    skipped: 0,
    redeliveries: 0,
    failures: [],
  };
  for (let i = 0; i < schedules; i++) {
    const report = await runSchedule(seed + i, options);
    summary.schedules++;
    summary.messages += report.messages;
    summary.failedSends += report.failedSends;
    for (const kind of FAULT_KINDS) summary.faults[kind] += report.faults[kind];
    summary.restarts += report.restarts;
    summary.crashes += report.crashes;
    summary.storageLosses += report.storageLosses;
    summary.lost += report.lost.length;
    summary.duplicated += report.duplicated.length;
    summary.misordered += report.misordered.length;
    summary.unprocessed += report.unprocessed.length;
    summary.skipped += report.skipped.length;
    summary.redeliveries += report.redeliveries;
    if (violations(report) > 0) summary.failures.push(report);
    onSchedule?.(report, i);
  }
  return summary;
}

export function violations(r: ScheduleReport): number {
  return (
    r.lost.length +
    r.duplicated.length +
    r.misordered.length +
    r.unprocessed.length +
    r.skipped.length
  );
}

export function formatSummary(s: ChaosSummary, seed: number): string {
  const faults = FAULT_KINDS.map((k) => `${k} ${s.faults[k]}`).join(", ");
  return [
    `schedules      ${s.schedules} (seeds ${seed}..${seed + s.schedules - 1})`,
    `messages       ${s.messages} acknowledged, ${s.failedSends} sends given up after retries (not owed)`,
    `faults         ${faults}`,
    `runtime        ${s.restarts} broker restarts, ${s.crashes} consumer crashes, ${s.storageLosses} primary storage losses → promote`,
    `lost           ${s.lost}`,
    `duplicated     ${s.duplicated} (in the broker's log)`,
    `misordered     ${s.misordered}`,
    `unprocessed    ${s.unprocessed}`,
    `offset skipped ${s.skipped}`,
    `redeliveries   ${s.redeliveries} (at least once: handlers saw these twice)`,
    ...s.failures.map(
      (f) =>
        `FAILED seed ${f.seed}: ${JSON.stringify({ lost: f.lost, duplicated: f.duplicated, misordered: f.misordered, unprocessed: f.unprocessed, skipped: f.skipped })}`,
    ),
  ].join("\n");
}
