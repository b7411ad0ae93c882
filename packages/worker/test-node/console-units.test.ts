import { describe, expect, it } from "vitest";
import {
  exactBytes,
  exactDuration,
  parseBytes,
  parseDuration,
  parseNumber,
  UnitError,
} from "../src/console/client/format.js";

// The console's settings forms write durations and sizes in human units and
// read them back: what they show must parse to the value the broker holds.
describe("the console's human units", () => {
  it("reads durations in ms, s, min, h and d, and 'no limit'", () => {
    expect(parseDuration("7 d")).toBe(604_800_000);
    expect(parseDuration("1.5 h")).toBe(5_400_000);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("2 min")).toBe(120_000);
    expect(parseDuration("250 ms")).toBe(250);
    expect(parseDuration("0")).toBe(0);
    expect(parseDuration("no limit")).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ["", "7", "7 weeks", "-1 s", "s", "1,5 h"])
      expect(() => parseDuration(bad), bad).toThrow(UnitError);
  });

  it("reads sizes in B, KiB, MiB and GiB, and 'no limit'", () => {
    expect(parseBytes("128 KiB")).toBe(131_072);
    expect(parseBytes("4 MiB")).toBe(4_194_304);
    expect(parseBytes("1.5 GiB")).toBe(1_610_612_736);
    expect(parseBytes("512")).toBe(512);
    expect(parseBytes("no limit")).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ["", "lots", "12 KB", "1 TiB"])
      expect(() => parseBytes(bad), bad).toThrow(UnitError);
  });

  it("reads plain numbers and leaves their range to the API", () => {
    expect(parseNumber("16")).toBe(16);
    expect(parseNumber("-1")).toBe(-1);
    expect(parseNumber("0.5")).toBe(0.5);
    expect(() => parseNumber("ten")).toThrow(UnitError);
  });

  it("writes a setting so that it reads back exactly: a form saved untouched changes nothing", () => {
    expect(exactDuration(604_800_000)).toBe("7 d");
    expect(exactDuration(5_400_000)).toBe("1.5 h");
    expect(exactDuration(1234)).toBe("1234 ms");
    expect(exactBytes(131_072)).toBe("128 KiB");
    expect(exactBytes(1500)).toBe("1500 B");
    const durations = [0, 1, 250, 1000, 1234, 10_000, 90_000, 90_061_001, 5_400_000, 604_800_000];
    for (const ms of durations) expect(parseDuration(exactDuration(ms)), String(ms)).toBe(ms);
    for (const n of [0, 1, 1023, 1024, 1500, 1536, 131_072, 4_194_304, 1_073_741_825])
      expect(parseBytes(exactBytes(n)), String(n)).toBe(n);
  });
});
