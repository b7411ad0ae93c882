import { SELF } from "cloudflare:test";
import { type FetchLike, HttpTransport, type Message, Producer, PushConsumer } from "@edgeq/core";
import { expect, it } from "vitest";

/** The core's HTTP transport, pointed at this Worker: the client half of docs/protocol.md. */
function transport(token = "admin-token"): HttpTransport {
  const fetch: FetchLike = (url, init) => SELF.fetch(url, init);
  return new HttpTransport({ url: "https://edgeq.test", token, fetch });
}

it("runs the core Producer and PushConsumer over HTTP", async () => {
  const producer = new Producer(transport(), { topic: "orders" });
  const sent = await producer.sendBatch([
    { body: { n: 1 }, key: "a" },
    { body: new Uint8Array([1, 2, 3]), key: "a" },
  ]);
  expect(sent.map((r) => r.status)).toEqual(["stored", "stored"]);

  const seen: Message[] = [];
  const consumer = new PushConsumer(transport(), {
    topic: "orders",
    group: "http-transport",
    pollWaitMs: 50,
    handler: (m) => {
      if (m.producerId === producer.producerId) seen.push(m);
    },
  });
  await consumer.start();
  await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(2);
  await consumer.close();
  expect(seen.map((m) => m.body)).toEqual([{ n: 1 }, new Uint8Array([1, 2, 3])]);
  const offsets = await transport().getOffsets("orders", "http-transport");
  expect(offsets[String(sent[0]!.queueId)]).toBeGreaterThan(0);
});

it("turns error answers into typed errors with the protocol's codes", async () => {
  await expect(transport("nobody").stats("orders")).rejects.toMatchObject({
    code: "unauthorized",
    details: { status: 401 },
  });
  await expect(transport("producer-token").stats("orders")).rejects.toMatchObject({
    code: "forbidden",
  });
  await expect(transport().stats("no-such-topic")).rejects.toMatchObject({ code: "not_found" });
  await expect(transport().read("orders", 0, { from: 10_000_000 })).rejects.toMatchObject({
    code: "offset_out_of_range",
    details: { status: 416, minOffset: 0 },
  });
});
