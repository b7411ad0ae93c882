import { expect, it } from "vitest";
import { persistedBroker } from "./persisted-broker.js";

// The totals of GET /metrics live in the queues' records: a workerd disposed
// and started again over the same directory scrapes the same counters.

const local = persistedBroker({
  tokens: { "t-admin": [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
  topics: { kept: { queueCount: 2, maxReconsumeTimes: 1 } },
});
const headers = { authorization: "Bearer t-admin", "content-type": "application/json" };

async function call<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${local.broker!.url}${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The edgeq_*_total samples of topic `kept`, by series. */
async function totals(): Promise<Record<string, number>> {
  const res = await fetch(`${local.broker!.url}/metrics`, { headers });
  expect(res.status).toBe(200);
  const out: Record<string, number> = {};
  for (const line of (await res.text()).split("\n"))
    if (/^edgeq_messages_\w+_total\{topic="kept"/.test(line)) {
      const at = line.lastIndexOf(" ");
      out[line.slice(0, at)] = Number(line.slice(at + 1));
    }
  return out;
}

it("keeps produced, duplicate, delivered, redelivered, acked and dead-lettered totals across a restart", async () => {
  await local.restart();
  const messages = Array.from({ length: 8 }, (_, i) => ({ seq: i + 1, body: i, key: `k${i}` }));
  await call("/v1/topics/kept/messages", { producerId: "p", messages });
  await call("/v1/topics/kept/messages", { producerId: "p", messages: messages.slice(0, 3) });
  const { messages: leased } = await call<{ messages: Array<{ receipt: string }> }>(
    "/v1/topics/kept/groups/g/receive",
    { max: 5, visibilityMs: 60_000 },
  );
  await call("/v1/topics/kept/groups/g/ack", {
    receipts: leased.slice(0, 4).map((m) => m.receipt),
  });
  await call("/v1/topics/kept/groups/g/nack", { receipts: [leased[4]!.receipt], delayMs: 0 });
  const [retry] = (
    await call<{ messages: Array<{ receipt: string }> }>("/v1/topics/kept/groups/g/receive", {
      max: 1,
      visibilityMs: 60_000,
      retriesOnly: true,
    })
  ).messages;
  await call("/v1/topics/kept/groups/g/nack", { receipts: [retry!.receipt], delayMs: 0 });

  const before = await totals();
  const sum = (prefix: string) =>
    Object.entries(before)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((n, [, v]) => n + v, 0);
  expect(sum("edgeq_messages_produced_total")).toBe(8);
  expect(sum("edgeq_messages_duplicate_total")).toBe(3);
  expect(sum("edgeq_messages_delivered_total")).toBe(6);
  expect(sum("edgeq_messages_redelivered_total")).toBe(1);
  expect(sum("edgeq_messages_acked_total")).toBe(4);
  expect(sum('edgeq_messages_dead_lettered_total{topic="kept",group="g"')).toBe(1);

  await local.restart();
  expect(await totals()).toEqual(before);
});
