import { capturedBody } from "@edgeq/core/replay";
import { describe, expect, it } from "vitest";
import { inspectOutbox } from "../src/index.js";
import { captureRequest, createRequestCapture } from "../src/sw-capture.js";
import { brokerUrl, freshOutbox, healthyNetwork } from "./helpers.js";

describe("sw-capture", () => {
  it("keeps method, URL, the allowed headers, the body (text or bytes) and the request's own Idempotency-Key", async () => {
    const json = await captureRequest(
      new Request("https://api.example.com/orders?x=1", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: "Bearer secret",
          "idempotency-key": "order-9",
        },
        body: JSON.stringify({ order: 9 }),
      }),
    );
    expect(json).toMatchObject({
      type: "edgeq.request",
      method: "POST",
      url: "https://api.example.com/orders?x=1",
      headers: { "content-type": "application/json" },
      body: '{"order":9}',
      idempotencyKey: "order-9",
    });
    // Credentials stay behind unless named.
    expect(json.headers).not.toHaveProperty("authorization");

    const bytes = new Uint8Array([0, 255, 128, 10]);
    const binary = await captureRequest(
      new Request("https://api.example.com/blob", { method: "PUT", body: bytes }),
      { headers: ["X-Trace"] },
    );
    expect(binary.bodyEncoding).toBe("base64");
    expect(capturedBody(binary)).toEqual(bytes);
    expect(binary.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("queues a request in the outbox as one message keyed by the API's host", async () => {
    await healthyNetwork();
    const outbox = await freshOutbox({ autoSync: false });
    const capture = createRequestCapture({ outbox: async () => outbox });
    try {
      const queued = await capture.capture(
        new Request(`${brokerUrl()}/api/orders`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ order: 1 }),
        }),
      );
      const [pending] = (await inspectOutbox(outbox).list({ state: "pending" })).messages;
      expect(pending?.id).toBe(queued.id);
      expect(pending?.options).toEqual({ key: new URL(brokerUrl()).host });
      expect(pending?.body).toMatchObject({
        type: "edgeq.request",
        method: "POST",
        url: `${brokerUrl()}/api/orders`,
        body: '{"order":1}',
        idempotencyKey: queued.idempotencyKey,
      });
      // The 202 a service worker answers with (`respond: "accepted"`).
      const accepted = capture.accepted(queued);
      expect(accepted.status).toBe(202);
      expect(await accepted.json()).toEqual({
        queued: queued.id,
        idempotencyKey: queued.idempotencyKey,
      });
    } finally {
      await outbox.close();
    }
  });
});
