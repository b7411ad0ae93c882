import { runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { queueObjectName } from "../src/shared/queue-ref.js";

const headers = { authorization: "Bearer admin-token", "content-type": "application/json" };

async function produceAndRead(topic: string) {
  const sent = await SELF.fetch(`https://edgeq.test/v1/topics/${topic}/messages`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      producerId: `p-${topic}`,
      messages: [{ seq: 1, body: "hi", key: "k" }],
    }),
  });
  expect(sent.status).toBe(200);
  const { results } = (await sent.json()) as {
    results: Array<{ queueId: number; offset: number }>;
  };
  const again = await SELF.fetch(`https://edgeq.test/v1/topics/${topic}/messages`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      producerId: `p-${topic}`,
      messages: [{ seq: 1, body: "hi", key: "k" }],
    }),
  });
  expect(((await again.json()) as { results: Array<{ status: string }> }).results[0]?.status).toBe(
    "duplicate",
  );
  return results[0]!;
}

/** Where the queue's records live: rows of the SQL table, or entries of the key-value API. */
async function recordsIn(topic: string, queueId: number) {
  const stub = env.QUEUE.get(env.QUEUE.idFromName(queueObjectName({ topic, queueId })));
  return runInDurableObject(stub, async (_instance, state) => ({
    sqlRows: state.storage.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM edgeq_kv WHERE k NOT LIKE 'do|%'")
      .one().n,
    kvEntries: (await state.storage.list()).size,
  }));
}

it("keeps a sync topic's records in SQL and an async topic's in the key-value API", async () => {
  const slow = await produceAndRead("orders");
  const fast = await produceAndRead("fast");
  const sync = await recordsIn("orders", slow.queueId);
  const async = await recordsIn("fast", fast.queueId);
  expect(sync.sqlRows).toBeGreaterThan(0);
  expect(sync.kvEntries).toBe(0);
  expect(async.sqlRows).toBe(0);
  expect(async.kvEntries).toBeGreaterThan(0);
  const read = await SELF.fetch(
    `https://edgeq.test/v1/topics/fast/queues/${fast.queueId}/messages?from=0`,
    { headers },
  );
  expect(await read.json()).toMatchObject({ messages: [{ body: "hi", key: "k" }], headOffset: 1 });
});
