import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { forward, readBody, send } from "./http-forward.js";
import { deleteObjectStorage } from "./local-broker.js";
import { persistedBroker } from "./persisted-broker.js";

// Issue 13's proof: a queue replicated synchronously to 2 replicas loses its
// primary's storage (the SQLite files deleted while the runtime is stopped,
// PLATFORM-NOTES), an operator promotes a replica, and every acknowledged
// message is there exactly once.

const TOKENS = { "t-admin": [{ topics: "*", rights: ["produce", "consume", "admin"] }] };
const TOPICS = {
  lone: { queueCount: 1, replication: { replicas: 1, mode: "sync", acks: 1 } },
  rep: { queueCount: 1, replication: { replicas: 2, mode: "sync", acks: 2 } },
  arep: { queueCount: 1, replication: { replicas: 1, mode: "async" } },
  rep2: { queueCount: 2, replication: { replicas: 2, mode: "sync", acks: 2 } },
};
const headers = { authorization: "Bearer t-admin", "content-type": "application/json" };

interface SendResult {
  status: "stored" | "duplicate";
  seq: number;
}
interface WireMessage {
  producerId?: string;
  seq?: number;
}

const local = persistedBroker({ tokens: TOKENS, topics: TOPICS });
const restart = () => local.restart();

function request(path: string, body?: unknown, base = local.broker?.url): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function call<T>(path: string, body?: unknown): Promise<T> {
  const response = await request(path, body);
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

interface Leased extends WireMessage {
  receipt: string;
  offset: number;
  deliveryCount: number;
}

/** Leases for group `lg` of topic `rep`. */
const receive = async (max: number, visibilityMs: number, waitMs = 0) =>
  (
    await call<{ messages: Leased[] }>("/v1/topics/rep/groups/lg/receive", {
      max,
      visibilityMs,
      waitMs,
    })
  ).messages;

const batchOf = (producerId: string, first: number) => ({
  producerId,
  messages: Array.from({ length: 10 }, (_, i) => ({ seq: first + i, body: { n: first + i } })),
});

it("sync with 2 replicas: after the primary's storage is lost and a replica promoted, every acknowledged message is there once", async () => {
  await restart();
  // A proxy that drops every third answer after the broker committed it: those sends are unacknowledged.
  let n = 0;
  const proxy = createServer(async (req, res) => {
    const answer = await forward(local.broker!.url, req, await readBody(req));
    if (++n % 3 === 0) res.destroy();
    else send(res, answer);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  const viaProxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const acked: string[] = [];
  const batches: Array<ReturnType<typeof batchOf>> = [];
  try {
    for (let i = 0; i < 12; i++) {
      const batch = batchOf(i % 2 === 0 ? "pa" : "pb", Math.floor(i / 2) * 10 + 1);
      batches.push(batch);
      const response = await request("/v1/topics/rep/messages", batch, viaProxy).catch(
        () => undefined,
      );
      if (!response) continue;
      expect(response.status).toBe(200);
      const { results } = (await response.json()) as { results: SendResult[] };
      for (const r of results) acked.push(`${batch.producerId}:${r.seq}`);
    }
  } finally {
    await new Promise((r) => proxy.close(r));
  }
  expect(acked).toHaveLength(80); // 8 of 12 answers arrived
  await call("/v1/topics/rep/groups/g/offsets", { offsets: { "0": 25 } });
  // A lease-mode group holds 5 messages when the primary is lost; it finished 2 of them.
  const leased = await receive(5, 1_000);
  await call("/v1/topics/rep/groups/lg/ack", {
    receipts: leased.slice(0, 2).map((m) => m.receipt),
  });
  const half = await call<{ txId: string }>("/v1/topics/rep/messages", {
    producerId: "tx",
    transactional: true,
    messages: [{ seq: 1, body: "half" }],
  });

  await local.stop();
  expect(await deleteObjectStorage(local.dir, "QueueDO")).toBe(1);
  await restart();

  // The empty primary finds replicas ahead of it: it refuses writes (retryable) until a promotion.
  const refused = await request("/v1/topics/rep/messages", batchOf("pc", 1));
  expect(refused.status).toBe(503);
  expect(refused.headers.get("retry-after")).toBe("1");
  expect(await refused.json()).toMatchObject({ error: { code: "unavailable" } });

  const promoted = await call<{ primary: string; term: number }>(
    "/v1/topics/rep/queues/0/promote",
    { replica: 0 },
  );
  expect(promoted).toMatchObject({ primary: "r0", term: 2 });

  const { messages } = await call<{ messages: WireMessage[] }>(
    "/v1/topics/rep/queues/0/messages?from=0&limit=1000",
  );
  const stored = messages.map((m) => `${m.producerId}:${m.seq}`);
  for (const id of acked)
    expect(
      stored.filter((s) => s === id),
      id,
    ).toHaveLength(1);
  expect(new Set(stored).size).toBe(stored.length);
  expect(stored.some((s) => s.startsWith("pc:"))).toBe(false);

  // Every batch again, acknowledged or not: each message answers duplicate (the dropped ones were committed too).
  for (const batch of batches) {
    const { results } = await call<{ results: SendResult[] }>("/v1/topics/rep/messages", batch);
    expect(results.map((r) => r.status)).toEqual(batch.messages.map(() => "duplicate"));
  }
  expect(await call("/v1/topics/rep/groups/g/offsets")).toEqual({ offsets: { "0": 25 } });
  const { transactions } = await call<{ transactions: Array<{ txId: string; state: string }> }>(
    "/v1/topics/rep/transactions?producerId=tx",
  );
  expect(transactions.map((t) => [t.txId, t.state])).toEqual([[half.txId, "pending"]]);

  // The lease group resumes: the 3 unfinished leases come again once they expire, nothing is lost,
  // and the 2 it acked never come back.
  const delivered: Leased[] = [];
  const deadline = Date.now() + 30_000;
  while (delivered.length < stored.length - 2 && Date.now() < deadline) {
    const got = await receive(100, 30_000, 2_000);
    await call("/v1/topics/rep/groups/lg/ack", { receipts: got.map((m) => m.receipt) });
    delivered.push(...got);
  }
  const ids = (ms: Leased[]) => ms.map((m) => `${m.producerId}:${m.seq}`);
  expect(ids(delivered).sort()).toEqual(
    ids(messages as Leased[])
      .slice(2)
      .sort(),
  );
  expect(delivered.filter((m) => m.deliveryCount === 2).map((m) => m.offset)).toEqual(
    leased.slice(2).map((m) => m.offset),
  );

  // The queue goes on at its new primary, with both other members as its replicas.
  await call("/v1/topics/rep/messages", batchOf("pc", 1));
  const stats = await call<{
    queues: Array<{
      replication: { primary: string; replicas: Array<{ replica: string; state: string }> };
    }>;
  }>("/v1/topics/rep/stats");
  expect(stats.queues[0]!.replication.primary).toBe("r0");
  expect(stats.queues[0]!.replication.replicas.map((r) => [r.replica, r.state])).toEqual([
    ["origin", "in_sync"],
    ["r1", "in_sync"],
  ]);
});

it("async: after the primary's storage is lost, what is missing is at most what the lag figure said", async () => {
  await restart();
  const acked: string[] = [];
  for (let i = 0; i < 20; i++) {
    const { results } = await call<{ results: SendResult[] }>(
      "/v1/topics/arep/messages",
      batchOf("pa", i * 10 + 1),
    );
    for (const r of results) acked.push(`pa:${r.seq}`);
  }
  // The loss happens now: one produce request is one batch, so the lag bounds what can go missing.
  const stats = await call<{
    queues: Array<{ replication: { replicas: Array<{ lagBatches: number }> } }>;
  }>("/v1/topics/arep/stats");
  const lagBatches = stats.queues[0]!.replication.replicas[0]!.lagBatches;
  await local.stop();
  expect(await deleteObjectStorage(local.dir, "QueueDO")).toBe(1);
  await restart();
  await call("/v1/topics/arep/queues/0/promote", { replica: 0 });
  const { messages } = await call<{ messages: WireMessage[] }>(
    "/v1/topics/arep/queues/0/messages?from=0&limit=1000",
  );
  const stored = messages.map((m) => `${m.producerId}:${m.seq}`);
  expect(new Set(stored).size).toBe(stored.length);
  const missing = acked.filter((id) => !stored.includes(id));
  expect(missing.length).toBeLessThanOrEqual(lagBatches * 10);
  // What survived is a prefix: the replica applies batches in order.
  expect(stored).toEqual(acked.slice(0, stored.length));
});

it("a replica whose storage is lost is caught up from the primary's tail and counts again", async () => {
  await local.restart();
  for (let i = 0; i < 5; i++) await call("/v1/topics/lone/messages", batchOf("pl", i * 10 + 1));
  await local.stop();
  expect(await deleteObjectStorage(local.dir, "ReplicaDO")).toBe(1);
  await local.restart();
  // The empty replica answers where it is; the primary refeeds it before it acks the next write.
  await call("/v1/topics/lone/messages", batchOf("pl", 51));
  const stats = await call<{
    queues: Array<{ replication: { replicas: Array<{ state: string; lagBatches: number }> } }>;
  }>("/v1/topics/lone/stats");
  expect(stats.queues[0]!.replication.replicas).toMatchObject([
    { state: "in_sync", lagBatches: 0 },
  ]);
  const read = await call<{ messages: WireMessage[]; replica: { name: string } }>(
    "/v1/topics/lone/queues/0/messages?from=0&limit=1000&replica=0",
  );
  expect(read.messages.map((m) => m.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
});

it("promotes replicas while the primaries that lost their storage are being called: every call answers", async () => {
  // Found by the replicated chaos run: as the old primaries (no storage) and
  // the promoted replicas opened at once, a queue object inside
  // blockConcurrencyWhile awaited the isolate's shared registry call, made in
  // another object's context that waited on it: promote, and every call
  // behind it, failed 500 after 30 s.
  await restart();
  await call("/v1/topics/rep2/messages", { producerId: "a", messages: [{ seq: 1, body: 1 }] });
  await call("/v1/topics/rep2/groups/g/receive", { max: 5 });
  await local.stop();
  await deleteObjectStorage(local.dir, "QueueDO");
  await restart();
  const answer = async (path: string, body: unknown) => (await request(path, body)).status;
  const promoteBoth = async () => [
    await answer("/v1/topics/rep2/queues/0/promote", { replica: 0 }),
    await answer("/v1/topics/rep2/queues/1/promote", { replica: 0 }),
  ];
  const [produced, received, promoted, producedToo] = await Promise.all([
    answer("/v1/topics/rep2/messages", {
      producerId: "b",
      messages: [
        { seq: 1, body: 1 },
        { seq: 2, body: 2, key: "x" },
      ],
    }),
    answer("/v1/topics/rep2/groups/g/receive", { max: 5 }),
    promoteBoth(),
    answer("/v1/topics/rep2/messages", { producerId: "c", messages: [{ seq: 1, body: 1 }] }),
  ]);
  expect(promoted).toEqual([200, 200]);
  // Before a promotion lands the old primary refuses (503, fenced); after it, calls go through.
  for (const status of [produced, received, producedToo]) expect([200, 503]).toContain(status);
  const sent = await call<{ results: SendResult[] }>("/v1/topics/rep2/messages", {
    producerId: "after",
    messages: [
      { seq: 1, body: 2 },
      { seq: 2, body: 3, key: "y" },
    ],
  });
  expect(sent.results.map((r) => r.status)).toEqual(["stored", "stored"]);
});
