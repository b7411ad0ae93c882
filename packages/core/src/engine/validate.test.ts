import { describe, expect, it } from "vitest";
import type { EdgeqError } from "../errors.js";
import { DEFAULT_RETRY_SCHEDULE, resolveTopicConfig, retryDelay } from "./config.js";
import { normalizeAppend } from "./validate.js";

const config = resolveTopicConfig();

describe("normalizeAppend", () => {
  it("measures sizes in UTF-8 bytes and resolves delays to due times", () => {
    const out = normalizeAppend(
      {
        producerId: "p",
        messages: [{ body: "é", key: "k", tags: ["t"], headers: { h: "v" }, seq: 1, delayMs: 10 }],
      },
      config,
      1000,
    );
    expect(out.messages[0]).toMatchObject({
      json: '"é"',
      size: 4 + 1 + 1 + 2,
      seq: 1,
      deliverAt: 1010,
    });
  });

  it("refuses text that is not well-formed Unicode, and takes surrogate pairs", () => {
    const lone = ["\udfff", "a\ud800", "\udc00b"];
    const fields = (t: string) => [
      { key: t },
      { tags: [t] },
      { headers: { [t]: "v" } },
      { headers: { h: t } },
    ];
    for (const t of lone)
      for (const extra of fields(t))
        expect(() => normalizeAppend({ messages: [{ body: 1, ...extra }] }, config, 0)).toThrow(
          /well-formed Unicode/,
        );
    const pair = "emoji \ud83d\ude00";
    const out = normalizeAppend({ messages: [{ body: pair, key: pair, tags: [pair] }] }, config, 0);
    expect(out.messages[0]).toMatchObject({ key: pair, tags: [pair] });
  });

  it("refuses a lone surrogate anywhere in a body, object keys at any depth included, and names the field", () => {
    const lone = ["\ud800", "x\udfff", "\udbff\ud800"];
    const bodies = (t: string) => [
      t,
      [1, [t]],
      { a: { b: [{ c: t }] } },
      { [t]: 1 },
      { deep: { [`k${t}`]: { fine: "ok" } } },
      // A backslash before the surrogate: JSON writes "\\" then the escape.
      `\\${t}`,
    ];
    for (const t of lone)
      for (const body of bodies(t)) {
        const refused = (() => {
          try {
            normalizeAppend({ messages: [{ body: 0 }, { body }] }, config, 0);
          } catch (error) {
            return error as EdgeqError;
          }
          throw new Error(`accepted ${JSON.stringify(body)}`);
        })();
        expect(refused.code).toBe("invalid_request");
        expect(refused.details).toEqual({ field: "messages[1].body" });
      }
    // Text that only looks like an escape, and well-formed pairs, are bodies like any other.
    const fine = ["\\ud800", "\\\\ud800", "\ud83d\ude00", { "\ud83d\ude00": "\\udc00" }, "\u00e9"];
    for (const body of fine)
      expect(
        JSON.parse(normalizeAppend({ messages: [{ body }] }, config, 0).messages[0]?.json ?? ""),
      ).toEqual(body);
  });

  it("refuses names a URL resolves away, and takes names of object members like any other", () => {
    for (const name of [".", ".."])
      expect(() =>
        normalizeAppend({ producerId: name, messages: [{ body: 1 }] }, config, 0),
      ).toThrow(/may not be/);
    for (const name of ["__proto__", "constructor", "toString", "...", ".a"])
      expect(
        normalizeAppend({ producerId: name, messages: [{ body: 1 }] }, config, 0).producerId,
      ).toBe(name);
  });

  it("drops delays already due and keeps bytes as base64", () => {
    const out = normalizeAppend(
      { messages: [{ body: new Uint8Array([1, 2, 3]), deliverAt: 5 }] },
      config,
      1000,
    );
    expect(out.messages[0]).toMatchObject({ body: "AQID", bytes: true, size: 3 });
    expect(out.messages[0]!.deliverAt).toBeUndefined();
  });

  it.each([
    [null, "request must be an object"],
    [{ messages: "x" }, "messages must be a non-empty list"],
    [{ messages: [{ body: () => 1 }] }, "body"],
    [{ messages: [{ body: { x: new Date() } }] }, "JSON value"],
    [{ messages: [{ body: 1, key: "" }] }, "key"],
    [{ messages: [{ body: 1, delayMs: 1.5 }] }, "delayMs"],
    [{ messages: [{ body: 1, delayMs: 41 * 86_400_000 }] }, "delayMs"],
    [{ producerId: "has space", messages: [{ body: 1 }] }, "producerId"],
  ])("rejects %j", (input, message) => {
    expect(() => normalizeAppend(input, config, 0)).toThrow(message);
  });
});

describe("topic config", () => {
  it("defaults to RocketMQ's retry schedule and 16 reconsumes", () => {
    expect(config.maxReconsumeTimes).toBe(16);
    expect(DEFAULT_RETRY_SCHEDULE.map((d) => d / 1000)).toEqual([
      10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800, 3600, 7200,
    ]);
    expect(retryDelay(DEFAULT_RETRY_SCHEDULE, 1)).toBe(10_000);
    expect(retryDelay(DEFAULT_RETRY_SCHEDULE, 99)).toBe(7_200_000);
  });

  it("rejects nonsense", () => {
    expect(() => resolveTopicConfig({ queueCount: 0 })).toThrow("queueCount");
    expect(() => resolveTopicConfig({ retrySchedule: [] })).toThrow("retrySchedule");
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });
});
