import { afterEach, beforeEach, vi } from "vitest";

/**
 * Drives the engines' time from the test file that calls this: their clock is
 * `Date.now()`, and the Durable Objects run in the tests' isolate, so faking
 * `Date` moves their time, and only it. The virtual clock starts an hour ahead
 * of the real one and only moves forward (each test starts where the last one
 * ended), so the runtime never fires an alarm by itself: the tests run alarms,
 * and move time with `vi.setSystemTime`, at the moments they check.
 */
export function useVirtualTime(): void {
  let virtualNow = Date.now() + 3_600_000;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"], now: virtualNow });
  });
  afterEach(() => {
    virtualNow = Date.now();
    vi.useRealTimers();
  });
}
