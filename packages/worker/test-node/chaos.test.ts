import { expect, it } from "vitest";
import { type ChaosSummary, formatSummary, runChaos } from "../chaos/chaos.js";

/** Nothing lost, duplicated, misordered, unprocessed or skipped, in any schedule. */
function expectNoViolations(summary: ChaosSummary): void {
  expect(summary.failures).toEqual([]);
  expect([
    summary.lost,
    summary.duplicated,
    summary.misordered,
    summary.unprocessed,
    summary.skipped,
  ]).toEqual([0, 0, 0, 0, 0]);
}

// The fault-injection harness (npm run chaos) at CI size: 50 seeded schedules
// of dropped requests and answers, delays, 500/503, broker restarts over
// persisted state and consumer crashes mid-batch.
it("loses, duplicates and skips nothing across 50 fault schedules", {
  timeout: 600_000,
}, async () => {
  const seed = 1000;
  const summary = await runChaos(50, seed);
  console.log(formatSummary(summary, seed));
  expect(summary.messages).toBeGreaterThan(500);
  expect(summary.faults["drop-response"]).toBeGreaterThan(0);
  expect(summary.restarts + summary.crashes).toBeGreaterThan(50);
  expectNoViolations(summary);
});

// Replicated topic (sync, 2 replicas, acks 2): some schedules also lose every
// primary's storage mid-run and promote replica 0 of each queue.
it("loses and duplicates nothing when primaries lose their storage and replicas are promoted", {
  timeout: 600_000,
}, async () => {
  const seed = 500;
  const summary = await runChaos(10, seed, undefined, { replicated: true });
  console.log(formatSummary(summary, seed));
  expect(summary.storageLosses).toBeGreaterThan(0);
  expect(summary.messages).toBeGreaterThan(100);
  expectNoViolations(summary);
});
