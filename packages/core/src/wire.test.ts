import { describe, expect, it } from "vitest";
import { messageFromWire, messageToWire } from "./wire.js";

describe("messageToWire", () => {
  const messages = [
    { offset: 0, body: { text: 'a\n"b"', n: 1 }, tags: ["x"] },
    { offset: 1, body: new Uint8Array([104, 105]) },
    { offset: 2, body: "plain" },
  ];

  it("writes bytes as base64 and leaves JSON bodies as they are", () => {
    expect(messages.map(messageToWire)).toEqual([
      messages[0],
      { offset: 1, body: "aGk=", encoding: "base64" },
      messages[2],
    ]);
  });

  it("is undone by messageFromWire, through JSON text", () => {
    for (const m of messages)
      expect(messageFromWire(JSON.parse(JSON.stringify(messageToWire(m))))).toEqual(m);
  });
});
