import { describe, expect, it } from "vitest";
import { EdgeqError, type EdgeqErrorCode, errorStatus } from "../errors.js";
import {
  backoffDelay,
  classifyFailure,
  isRetryableError,
  pause,
  retryAfterMs,
  retryDelayAfter,
  sleep,
} from "./retry.js";

const top = () => 0.999_999;

describe("backoffDelay", () => {
  it("doubles its ceiling per attempt from baseMs and stops at maxMs", () => {
    const options = { baseMs: 100, maxMs: 1000, random: top };
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, options))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
  });

  it("draws uniformly below the ceiling (full jitter)", () => {
    expect(backoffDelay(3, { baseMs: 100, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { baseMs: 100, random: () => 0.5 })).toBe(400);
  });

  it("uses 100 ms and 10 s as defaults and stays finite for huge attempts", () => {
    expect(backoffDelay(0, { random: top })).toBe(99);
    expect(backoffDelay(5000, { random: top })).toBe(9999);
    expect(backoffDelay(-3, { random: top })).toBe(99);
  });

  it("never waits less than the broker's retryAfterMs", () => {
    const error = new EdgeqError("rate_limited", "slow down", { details: { retryAfterMs: 5000 } });
    expect(retryAfterMs(error)).toBe(5000);
    expect(retryDelayAfter(error, 0, { random: top })).toBe(5000);
    expect(retryDelayAfter(error, 20, { random: top, maxMs: 60_000 })).toBe(59_999);
    expect(
      retryAfterMs(new EdgeqError("rate_limited", "x", { details: { retryAfterMs: "9" } })),
    ).toBe(0);
    expect(retryAfterMs(new Error("plain"))).toBe(0);
  });
});

describe("classifyFailure", () => {
  it("gives every code one meaning", () => {
    const kinds = Object.fromEntries(
      (Object.keys(errorStatus) as EdgeqErrorCode[]).map((code) => [
        code,
        classifyFailure(new EdgeqError(code, code)),
      ]),
    );
    expect(kinds).toEqual({
      invalid_request: "refused",
      unauthorized: "auth",
      forbidden: "auth",
      not_found: "refused",
      conflict: "refused",
      gone: "refused",
      too_large: "refused",
      offset_out_of_range: "refused",
      rate_limited: "retry",
      quota_exceeded: "retry",
      unavailable: "retry",
      closed: "closed",
      internal: "retry",
      expired: "refused",
    });
    expect(classifyFailure(new TypeError("fetch failed"))).toBe("retry");
  });
});

describe("isRetryableError", () => {
  it("retries platform errors and unavailable, rate_limited, internal", () => {
    expect(isRetryableError(new TypeError("fetch failed"))).toBe(true);
    expect(isRetryableError("a string")).toBe(true);
    for (const code of ["unavailable", "rate_limited", "internal"] as const)
      expect(isRetryableError(new EdgeqError(code, code))).toBe(true);
  });

  it("does not retry request errors or a closed engine", () => {
    const final = [
      "invalid_request",
      "too_large",
      "forbidden",
      "unauthorized",
      "not_found",
      "conflict",
      "gone",
      "closed",
    ] as const;
    for (const code of final) expect(isRetryableError(new EdgeqError(code, code))).toBe(false);
  });
});

describe("sleep", () => {
  it("resolves after the time", async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
  });

  it("rejects with the signal's reason when aborted, before the time is up", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it("rejects at once on an already aborted signal", async () => {
    const reason = new Error("already");
    await expect(sleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it("pause resolves false instead of rejecting once aborted", async () => {
    const controller = new AbortController();
    expect(await pause(sleep, 0, controller.signal)).toBe(true);
    const waiting = pause(sleep, 60_000, controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
  });
});
