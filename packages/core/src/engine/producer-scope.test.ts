import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { openMemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/store.js";
import { expectCode } from "../testing/broker-fixture.js";
import { resolveTopicConfig } from "./config.js";
import type { ProducerScope } from "./producer-scope.js";
import { QueueEngine } from "./queue-engine.js";
import { TopicRouter } from "./topic-router.js";

const alice: ProducerScope = { principal: "j:alice" };
const mallory: ProducerScope = { principal: "j:mallory" };
/** A static token: inherits windows written before scopes. */
const service: ProducerScope = { principal: "t:service", inheritsUnscoped: true };

async function openTopic(given?: Store) {
  const store = given ?? (await openMemoryStore());
  const clock = new ManualClock(1_000_000);
  const config = resolveTopicConfig({ queueCount: 1 });
  const engine = await QueueEngine.open(store, { topic: "t", queueId: 0, config, clock });
  return { store, router: new TopicRouter("t", config, [engine], clock) };
}

const batch = (...seqs: number[]) => ({
  producerId: "p-1",
  messages: seqs.map((seq) => ({ seq, body: seq })),
});

describe("producer scopes", () => {
  it("two principals with one producerId never see each other's seqs", async () => {
    const { router } = await openTopic();
    const first = await router.send(batch(1, 2, 3), mallory);
    expect(first.map((r) => r.status)).toEqual(["stored", "stored", "stored"]);
    // Alice's real messages with the same producerId and seqs are stored, not `duplicate`.
    const real = await router.send(batch(1, 2, 3), alice);
    expect(real.map((r) => r.status)).toEqual(["stored", "stored", "stored"]);
    expect(real.map((r) => r.offset)).toEqual([3, 4, 5]);
    // Each one's retry answers duplicate with its own offsets.
    const retry = await router.send(batch(2), alice);
    expect(retry[0]).toMatchObject({ status: "duplicate", offset: 4 });
    const malloryRetry = await router.send(batch(2), mallory);
    expect(malloryRetry[0]).toMatchObject({ status: "duplicate", offset: 1 });
    // The log shows the producerId only.
    const read = await router.read(0, { from: 3, limit: 1 });
    expect(read.messages[0]).toMatchObject({ producerId: "p-1", seq: 1 });
    expect(JSON.stringify(read)).not.toContain("alice");
  });

  it("a scope that inherits takes over windows written without one; others do not", async () => {
    const { store, router } = await openTopic();
    await router.send(batch(1, 2));
    expect((await router.send(batch(2), service))[0]).toMatchObject({
      status: "duplicate",
      offset: 1,
    });
    expect((await router.send(batch(2), alice))[0]).toMatchObject({ status: "stored", offset: 2 });
    // The inherited window is the service's own from now on, across a restart.
    await router.send(batch(3), service);
    const reopened = await openTopic(store);
    expect((await reopened.router.send(batch(3), service))[0]).toMatchObject({
      status: "duplicate",
      offset: 3,
    });
    expect((await reopened.router.send(batch(1, 2), service)).map((r) => r.status)).toEqual([
      "duplicate",
      "duplicate",
    ]);
  });

  it("transactions belong to their principal: others can neither list nor decide them", async () => {
    const { router } = await openTopic();
    const tx = { ...batch(7), transactional: true };
    const [mine] = await router.send(tx, alice);
    const [theirs] = await router.send(tx, mallory);
    expect(mine!.txId).toBeDefined();
    expect(theirs!.txId).not.toBe(mine!.txId);
    expect((await router.listTransactions({ scope: alice })).map((t) => t.txId)).toEqual([
      mine!.txId,
    ]);
    await expectCode(router.endTransaction(mine!.txId, "commit", "producer", mallory), "not_found");
    // A trusted caller (no scope) sees both; the owner decides its own.
    expect(await router.listTransactions()).toHaveLength(2);
    const decided = await router.endTransaction(mine!.txId, "commit", "producer", alice);
    expect(decided.state).toBe("committed");
    expect((await router.listTransactions({ scope: mallory })).map((t) => t.txId)).toEqual([
      theirs!.txId,
    ]);
  });
});
