import { describe, expect, it } from "vitest";
import { takeTokens } from "./token-bucket.js";

const limit = { rate: 2, burst: 4 };

describe("takeTokens", () => {
  it("allows a burst, refuses beyond it with the wait until enough refilled, and refills at the rate", () => {
    let { state, retryAfterMs } = takeTokens(undefined, limit, 4, 0);
    expect(retryAfterMs).toBe(0);
    ({ state, retryAfterMs } = takeTokens(state, limit, 3, 0));
    // 3 tokens at 2/s: 1.5 s.
    expect(retryAfterMs).toBe(1500);
    // A refusal takes nothing: after 1.5 s the same request passes.
    ({ state, retryAfterMs } = takeTokens(state, limit, 3, 1500));
    expect(retryAfterMs).toBe(0);
    expect(state.tokens).toBe(0);
    // Never more than the burst, however long it was idle.
    ({ state, retryAfterMs } = takeTokens(state, limit, 5, 3_600_000));
    expect(retryAfterMs).toBe(0);
    expect(state.tokens).toBe(-1);
  });

  it("takes a cost above the burst from a full bucket only, and makes it pay the debt", () => {
    const full = takeTokens(undefined, limit, 10, 0);
    expect(full.retryAfterMs).toBe(0);
    expect(full.state.tokens).toBe(-6);
    // Owes 6 tokens: the next single token comes after 3.5 s, a full bucket after 5 s.
    expect(takeTokens(full.state, limit, 1, 0).retryAfterMs).toBe(3500);
    expect(takeTokens(full.state, limit, 10, 0).retryAfterMs).toBe(5000);
  });

  it("a clock that steps back refills nothing", () => {
    const first = takeTokens(undefined, limit, 4, 10_000);
    const stepped = takeTokens(first.state, limit, 1, 5_000);
    expect(stepped.retryAfterMs).toBe(500);
    expect(takeTokens(stepped.state, limit, 1, 10_000).retryAfterMs).toBe(500);
  });
});
