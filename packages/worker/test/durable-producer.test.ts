import { runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { type FetchLike, HttpTransport, type Message } from "@edgeq/core";
import { DurableProducer, type SyncState } from "@edgeq/core/durable";
import { flushed } from "@edgeq/core/testing";
import { expect, it } from "vitest";
import { openSqliteStore } from "../src/store/sqlite-store.js";
import { get } from "./api.js";

/**
 * A Durable Object that publishes to a broker it cannot always reach buffers
 * in its own SQLite storage: the core's DurableProducer over the worker's
 * SQLite store, run inside a real Durable Object (the store's table sits in
 * an otherwise unused object of this Worker's class).
 */
it("buffers in Durable Object storage while the broker is unreachable, then delivers every message once, in order", async () => {
  let reachable = false;
  const fetch: FetchLike = (url, init) =>
    reachable ? SELF.fetch(url, init) : Promise.reject(new TypeError("network connection lost"));
  const transport = new HttpTransport({ url: "https://edgeq.test", token: "admin-token", fetch });
  const stub = env.QUEUE.get(env.QUEUE.idFromName(`producer-host/${crypto.randomUUID()}`));

  const producerId = await runInDurableObject(stub, async (_instance, state) => {
    const open = async (hooks = {}) =>
      DurableProducer.open(await openSqliteStore(state.storage, { table: "producer_kv" }), {
        topic: "orders",
        transport,
        backoff: { baseMs: 1, maxMs: 5 },
        hooks,
      });
    const first = await open();
    await first.send(Array.from({ length: 10 }, (_, i) => ({ body: { n: i }, key: `k${i % 3}` })));
    const states: SyncState[] = [];
    let onBackoff = () => {};
    const backedOff = new Promise<void>((resolve) => {
      onBackoff = resolve;
    });
    first.start();
    // A second instance over the same storage stands in for the object after a restart.
    first.close();
    const second = await open({
      state: (s: SyncState) => {
        states.push(s);
        if (s === "backoff") onBackoff();
      },
    });
    expect(second.producerId).toBe(first.producerId);
    await second.send(
      Array.from({ length: 10 }, (_, i) => ({ body: { n: 10 + i }, key: `k${i % 3}` })),
    );
    second.start();
    await backedOff;
    expect(await second.stats()).toMatchObject({ pending: 20, acknowledged: 0 });
    reachable = true;
    await flushed(second);
    expect(await second.stats()).toMatchObject({ pending: 0, acknowledged: 20 });
    second.close();
    return second.producerId;
  });

  const stored: Message[] = [];
  for (const queueId of [0, 1, 2, 3]) {
    const read = await get<{ messages: Message[] }>(
      `/orders/queues/${queueId}/messages?from=0&limit=1000`,
    );
    stored.push(...read.messages.filter((m) => m.producerId === producerId));
  }
  expect(stored.map((m) => m.seq).sort((a, b) => a! - b!)).toEqual(
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  // Per key, the broker's log keeps the order they were sent in.
  for (const key of ["k0", "k1", "k2"]) {
    const ofKey = stored.filter((m) => m.key === key);
    expect(ofKey.map((m) => m.seq)).toEqual([...ofKey.map((m) => m.seq!)].sort((a, b) => a - b));
  }
});
