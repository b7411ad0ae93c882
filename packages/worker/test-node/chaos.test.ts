import { expect, it } from "vitest";
import { formatSummary, runChaos } from "../chaos/chaos.js";

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
  expect(summary.failures).toEqual([]);
  expect([
    summary.lost,
    summary.duplicated,
    summary.misordered,
    summary.unprocessed,
    summary.skipped,
  ]).toEqual([0, 0, 0, 0, 0]);
});
