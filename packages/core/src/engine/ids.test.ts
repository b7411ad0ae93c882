import { describe, expect, it } from "vitest";
import {
  formatMsgId,
  formatReceipt,
  groupHash,
  newEpoch,
  parseMsgId,
  parseReceipt,
  queueOf,
} from "./ids.js";

describe("msgIds and receipts", () => {
  it("round-trip and route to their queue", () => {
    const id = formatMsgId("abcd1234", 3, 0, 123456789);
    expect(parseMsgId(id)).toEqual({ epoch: "abcd1234", queueId: 3, kind: 0, n: 123456789 });
    expect(parseMsgId(formatMsgId("e", 0, 1, 5))).toMatchObject({ kind: 1, n: 5 });
    const receipt = formatReceipt("abcd1234", 2, "grp", 77, 9);
    expect(parseReceipt(receipt)).toEqual({
      epoch: "abcd1234",
      queueId: 2,
      groupHash: groupHash("grp"),
      offset: 77,
      leaseId: 9,
    });
    expect(parseReceipt(formatReceipt("e", 999999, "g", 2 ** 53 - 1, 0))).toMatchObject({
      queueId: 999999,
      offset: 2 ** 53 - 1,
    });
    expect(queueOf(id)).toBe(3);
    expect(queueOf(receipt)).toBe(2);
  });

  it("reject what is not theirs", () => {
    for (const bad of [
      "",
      "x",
      "a-b-c",
      "e-01-o1",
      "e-1-x1",
      "e-1-o",
      "e-1-oZZ",
      "e--o1",
      "e-1-o1-2",
      "e-1-o!!",
    ])
      expect(parseMsgId(bad), bad).toBeUndefined();
    for (const bad of [
      "",
      "a-1-g-1",
      "a-1-g-1-",
      "a-x-g-1-1",
      "-1-g-1-1",
      "a-01-g-1-1",
      "a-1234567-g-1-1",
      "a-1--1-1",
      "a-1-g-1-1-1",
      "a-1-g-A-1",
      "a-1-g-1-zzzzzzzzzzzz",
      "a-1-g-zzzzzzzzzzz-1", // past Number.MAX_SAFE_INTEGER
    ])
      expect(parseReceipt(bad), bad).toBeUndefined();
    expect(queueOf("nonsense")).toBeUndefined();
  });

  it("epochs are 8 base-36 characters", () => {
    expect(newEpoch(() => 0.5)).toMatch(/^[0-9a-z]{8}$/);
  });
});
