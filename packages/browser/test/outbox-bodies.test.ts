import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { server } from "vitest/browser";
import { isEdgeqError } from "../src/index.js";
import { flushEventually, freshOutbox, healthyNetwork, messagesOf } from "./helpers.js";

beforeEach(healthyNetwork);
afterEach(healthyNetwork);

// IndexedDB's structured clone differs between engines in what it keeps of
// exotic values; the outbox decides before IndexedDB sees anything, the same
// in every engine (measured in Chromium, Firefox and WebKit).
describe(`message bodies through IndexedDB (${server.browser})`, () => {
  it("a Uint8Array body reaches the broker byte for byte", async () => {
    const outbox = await freshOutbox();
    await outbox.send(new Uint8Array([0, 1, 254, 255]));
    await flushEventually(outbox);
    const [stored] = await messagesOf("outbox", outbox.producerId);
    expect(stored?.body).toEqual(new Uint8Array([0, 1, 254, 255]));
    await outbox.close();
  });

  it("an ArrayBuffer, a Blob, a Date or a Map is refused at send() with invalid_request, and nothing is written", async () => {
    const outbox = await freshOutbox({ autoSync: false });
    const refused = await Promise.all(
      [new ArrayBuffer(4), new Blob(["x"]), new Date(0), new Map()].map((body) =>
        outbox.send(body as never).then(
          () => "accepted",
          (e: unknown) => (isEdgeqError(e) ? e.code : String(e)),
        ),
      ),
    );
    expect(refused).toEqual([
      "invalid_request",
      "invalid_request",
      "invalid_request",
      "invalid_request",
    ]);
    expect((await outbox.stats()).pending).toBe(0);
    await outbox.close();
  });
});
