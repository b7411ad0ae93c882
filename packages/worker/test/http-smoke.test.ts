import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

const auth = { authorization: "Bearer admin-token", "content-type": "application/json" };

it("produces, reads, leases and acks over HTTP", async () => {
  const res = await SELF.fetch("https://edgeq.test/v1/topics/single/messages", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ producerId: "p-1", messages: [{ seq: 1, body: { n: 1 }, key: "k" }] }),
  });
  expect(res.status).toBe(200);
  const { results } = (await res.json()) as { results: Array<{ status: string; offset: number }> };
  expect(results[0]).toMatchObject({ status: "stored", offset: 0 });
  const read = await SELF.fetch("https://edgeq.test/v1/topics/single/queues/0/messages?from=0", {
    headers: auth,
  });
  expect(await read.json()).toMatchObject({
    messages: [{ body: { n: 1 }, key: "k" }],
    headOffset: 1,
  });
  const recv = await SELF.fetch("https://edgeq.test/v1/topics/single/groups/g/receive", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ max: 5 }),
  });
  const { messages } = (await recv.json()) as { messages: Array<{ receipt: string }> };
  expect(messages).toHaveLength(1);
  const ack = await SELF.fetch("https://edgeq.test/v1/topics/single/groups/g/ack", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ receipts: [messages[0]!.receipt] }),
  });
  expect(ack.status).toBe(200);
  const again = await SELF.fetch("https://edgeq.test/v1/topics/single/groups/g/ack", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ receipts: [messages[0]!.receipt] }),
  });
  expect(again.status).toBe(409);
  expect(await again.json()).toMatchObject({ error: { code: "conflict" } });
  const noAuth = await SELF.fetch("https://edgeq.test/v1/topics/single/stats");
  expect(noAuth.status).toBe(401);
});
