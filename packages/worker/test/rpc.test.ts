import { type Message, Producer, PushConsumer } from "@edgeq/core";
import { expect, it } from "vitest";
import { RpcTransport } from "../src/rpc/rpc-transport.js";
import { rpcBinding } from "./worker-fixtures.js";

// The test runner exposes the main module's entrypoints as loopback bindings.
const transport = () => new RpcTransport(rpcBinding);

it("other Workers produce and consume with the core clients over RPC", async () => {
  const rpc = transport();
  const producer = new Producer(rpc, {
    topic: "orders",
    producerId: `rpc-${crypto.randomUUID()}`,
  });
  const sent = await producer.sendBatch([1, 2, 3].map((n) => ({ body: { n }, key: `rpc-k${n}` })));
  expect(sent.map((r) => r.status)).toEqual(["stored", "stored", "stored"]);
  // The same seqs again, as after a lost response: duplicates, not copies.
  const again = await rpc.send("orders", {
    producerId: producer.producerId,
    messages: [1, 2, 3].map((n, i) => ({ body: { n }, key: `rpc-k${n}`, seq: i + 1 })),
  });
  expect(again.map((r) => [r.status, r.offset])).toEqual(sent.map((r) => ["duplicate", r.offset]));

  const group = `rpc-${crypto.randomUUID()}`;
  const seen: Message[] = [];
  const consumer = new PushConsumer(rpc, {
    topic: "orders",
    group,
    handler: (m) => {
      if ((m.key ?? "").startsWith("rpc-k")) seen.push(m);
    },
    pollWaitMs: 0,
    idleDelayMs: 5,
  });
  await consumer.start();
  const unseen = () => sent.filter((s) => !seen.some((m) => m.msgId === s.msgId));
  await expect
    .poll(() => unseen().map((s) => s.msgId), { timeout: 5000, interval: 10 })
    .toEqual([]);
  await consumer.close();
  const offsets = await rpc.getOffsets("orders", group);
  expect(Object.keys(offsets).length).toBe(4);
});

it("errors keep their code across RPC", async () => {
  await expect(transport().send("nope", { messages: [{ body: 1 }] })).rejects.toMatchObject({
    code: "not_found",
  });
  await expect(transport().ack("orders", "g", ["bogus"])).rejects.toMatchObject({
    code: "not_found",
  });
  await expect(transport().topicInfo("orders")).resolves.toEqual({
    topic: "orders",
    queueCount: 4,
  });
});
