import { describe, expect, it } from "vitest";
import { messageFromWire, messagesToNdjson, messageToWire } from "./wire.js";

describe("messagesToNdjson", () => {
  const messages = [
    { offset: 0, body: { text: 'a\n"b"', n: 1 }, tags: ["x"] },
    { offset: 1, body: new Uint8Array([104, 105]) },
    { offset: 2, body: "plain" },
  ];

  it("is one line per message, each the JSON of messageToWire, each ending in a newline", () => {
    const text = messagesToNdjson(messages);
    expect(text.endsWith("\n")).toBe(true);
    const lines = text.slice(0, -1).split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual(
      messages.map((m) => JSON.parse(JSON.stringify(messageToWire(m)))),
    );
    expect(messageFromWire(JSON.parse(lines[1]!))).toEqual(messages[1]);
  });

  it("is empty for no messages", () => {
    expect(messagesToNdjson([])).toBe("");
  });
});
