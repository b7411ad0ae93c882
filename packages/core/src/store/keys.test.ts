import { describe, expect, it } from "vitest";
import { decodeNum, decodeStr, encodeNum, encodeStr } from "./keys.js";

describe("key encoding", () => {
  it("numbers sort as strings in numeric order, up to MAX_SAFE_INTEGER", () => {
    const nums = [0, 1, 9, 10, 35, 36, 1295, 1296, 2 ** 32, Number.MAX_SAFE_INTEGER];
    const encoded = nums.map(encodeNum);
    expect([...encoded].sort()).toEqual(encoded);
    expect(encoded.map(decodeNum)).toEqual(nums);
  });

  it("strings become printable ASCII without the separator", () => {
    for (const s of ["a|b", "ünïcode", "𝄞", "sp ace", "%25"]) {
      const e = encodeStr(s);
      expect(e).toMatch(/^[\x21-\x7e]*$/);
      expect(e).not.toContain("|");
      expect(decodeStr(e)).toBe(s);
    }
  });
});
