import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LocalTransport } from "../src/client/local-transport.js";
import { Producer } from "../src/client/producer.js";
import { ManualClock } from "../src/clock.js";
import { Broker } from "../src/engine/broker.js";
import type { Message, TransactionCheckResult } from "../src/model.js";
import { MemoryStorage, openMemoryStore } from "../src/store/memory-store.js";

const TOPIC = "orders";
const INTERVAL = 60_000;

/** A broker over MemoryStorage that can be restarted, with a hand-driven clock. */
async function world(queueCount = 2, maxChecks = 3) {
  const clock = new ManualClock(1_000_000);
  const storage = new MemoryStorage();
  const open = async () =>
    Broker.open({ store: await openMemoryStore({ storage }), clock, autoTick: false });
  let broker = await open();
  await broker.createTopic(TOPIC, {
    queueCount,
    transactionCheckIntervalMs: INTERVAL,
    transactionMaxChecks: maxChecks,
  });
  return {
    clock,
    get broker() {
      return broker;
    },
    async restart() {
      await broker.close();
      broker = await open();
    },
    /** Lets time pass and runs the broker's timed work (check-backs included). */
    async advance(ms: number) {
      clock.advance(ms);
      await broker.tick();
    },
  };
}

async function visible(broker: Broker): Promise<Message[]> {
  const stats = await broker.stats(TOPIC);
  const out: Message[] = [];
  for (const q of stats.queues)
    out.push(...(await broker.read(TOPIC, q.queueId, { from: q.minOffset, limit: 1000 })).messages);
  return out;
}

const halfSend = (broker: Broker, producerId: string, seqs: number[], keys?: string[]) =>
  broker.send(TOPIC, {
    producerId,
    transactional: true,
    messages: seqs.map((seq, i) => ({
      seq,
      body: { seq },
      ...(keys ? { key: keys[i % keys.length] } : {}),
    })),
  });

describe("transactions (half messages)", () => {
  it("keeps half messages invisible until commit, then appends them at the head", async () => {
    const w = await world(1);
    const half = await halfSend(w.broker, "p", [1, 2]);
    const txId = half[0]!.txId!;
    expect(half.map((r) => [r.status, r.txId, r.offset])).toEqual([
      ["stored", txId, undefined],
      ["stored", txId, undefined],
    ]);
    // Not in the log, not leasable, counted as pending.
    expect(await visible(w.broker)).toEqual([]);
    expect(await w.broker.receive(TOPIC, "g", { max: 10 })).toEqual([]);
    expect((await w.broker.stats(TOPIC)).queues[0]!.pendingTransactions).toBe(1);
    // A plain message sent meanwhile is not held back by the undecided ones.
    await w.broker.send(TOPIC, { messages: [{ body: "plain" }] });
    expect((await visible(w.broker)).map((m) => m.body)).toEqual(["plain"]);

    const info = await w.broker.endTransaction(TOPIC, txId, "commit");
    expect(info.state).toBe("committed");
    expect(info.results?.map((r) => r.offset)).toEqual([1, 2]);
    expect((await visible(w.broker)).map((m) => m.body)).toEqual(["plain", { seq: 1 }, { seq: 2 }]);
    expect((await w.broker.stats(TOPIC)).queues[0]!.pendingTransactions).toBe(0);
    // Idempotent; the other way is a conflict.
    expect((await w.broker.endTransaction(TOPIC, txId, "commit")).results).toEqual(info.results);
    await expect(w.broker.endTransaction(TOPIC, txId, "rollback")).rejects.toMatchObject({
      code: "conflict",
    });
  });

  it("drops rolled-back messages; repeating is fine, committing after is a conflict", async () => {
    const w = await world();
    const [first] = await halfSend(w.broker, "p", [1, 2, 3], ["a", "b", "c"]);
    const txId = first!.txId!;
    await w.broker.endTransaction(TOPIC, txId, "rollback");
    await w.broker.endTransaction(TOPIC, txId, "rollback");
    await expect(w.broker.endTransaction(TOPIC, txId, "commit")).rejects.toMatchObject({
      code: "conflict",
    });
    expect(await visible(w.broker)).toEqual([]);
    await expect(w.broker.endTransaction(TOPIC, "nope-1.0", "commit")).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(w.broker.endTransaction(TOPIC, txId, "maybe")).rejects.toMatchObject({
      code: "invalid_request",
    });
  });

  it("spans queues: one id, every part committed together", async () => {
    const w = await world(4);
    const keys = ["k1", "k2", "k3", "k4", "k5", "k6"];
    const half = await halfSend(w.broker, "p", [1, 2, 3, 4, 5, 6], keys);
    const txId = half[0]!.txId!;
    expect(new Set(half.map((r) => r.txId))).toEqual(new Set([txId]));
    expect(new Set(half.map((r) => r.queueId)).size).toBeGreaterThan(1);
    const info = await w.broker.endTransaction(TOPIC, txId, "commit");
    expect(info.results).toHaveLength(6);
    expect((await visible(w.broker)).map((m) => m.key).sort()).toEqual(keys);
  });

  it("answers a retried half send duplicate, in the same transaction", async () => {
    const w = await world();
    const first = await halfSend(w.broker, "p", [1, 2]);
    const retry = await halfSend(w.broker, "p", [1, 2]);
    expect(retry.map((r) => [r.status, r.txId])).toEqual(first.map((r) => ["duplicate", r.txId]));
    expect(await w.broker.listTransactions(TOPIC)).toHaveLength(1);
    await w.broker.endTransaction(TOPIC, first[0]!.txId!, "commit");
    // After the commit a retry also says where the messages went.
    const late = await halfSend(w.broker, "p", [1]);
    expect(late[0]).toMatchObject({ status: "duplicate", offset: expect.any(Number) });
    expect(await visible(w.broker)).toHaveLength(2);
  });

  it("refuses a transactional send without producer or seqs", async () => {
    const w = await world();
    await expect(
      w.broker.send(TOPIC, { transactional: true, messages: [{ body: 1 }] }),
    ).rejects.toMatchObject({ code: "invalid_request" });
    await expect(
      w.broker.send(TOPIC, {
        transactional: "yes",
        producerId: "p",
        messages: [{ seq: 1, body: 1 }],
      }),
    ).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("survives a crash between the half send and the decision", async () => {
    const w = await world();
    const [first] = await halfSend(w.broker, "p", [1]);
    await w.restart();
    expect((await w.broker.listTransactions(TOPIC)).map((t) => t.txId)).toEqual([first!.txId]);
    await w.broker.endTransaction(TOPIC, first!.txId!, "commit");
    await w.restart();
    expect((await visible(w.broker)).map((m) => m.seq)).toEqual([1]);
  });

  it("checks back an undecided transaction and applies each answer", async () => {
    const w = await world();
    const transport = new LocalTransport(w.broker);
    const answers: Record<string, TransactionCheckResult> = {};
    const producer = new Producer(transport, { topic: TOPIC, producerId: "checked" });
    const stop = producer.startTransactionChecks((tx) => answers[tx.txId] ?? "unknown");
    const a = await producer.sendInTransaction([{ body: "a" }], () => "unknown");
    const b = await producer.sendInTransaction([{ body: "b" }], () => "unknown");
    expect([a.state, b.state]).toEqual(["unknown", "unknown"]);
    // Nobody is asked before the interval; the HTTP listing shows only what is being checked.
    await w.advance(INTERVAL - 1);
    expect(await w.broker.listTransactions(TOPIC, { state: "unknown" })).toEqual([]);
    answers[a.txId] = "commit";
    answers[b.txId] = "rollback";
    await w.advance(1);
    expect((await visible(w.broker)).map((m) => m.body)).toEqual(["a"]);
    expect(await w.broker.listTransactions(TOPIC)).toEqual([]);
    stop();
  });

  it("rolls back after the last unanswered check, and a late commit is a conflict", async () => {
    const w = await world(2, 3);
    const [first] = await halfSend(w.broker, "p", [1]);
    const txId = first!.txId!;
    for (let check = 1; check <= 3; check++) {
      await w.advance(INTERVAL);
      const [listed] = await w.broker.listTransactions(TOPIC, { state: "unknown" });
      expect(listed).toMatchObject({ txId, checks: check });
    }
    await w.advance(INTERVAL);
    expect(await w.broker.listTransactions(TOPIC)).toEqual([]);
    await expect(w.broker.endTransaction(TOPIC, txId, "commit")).rejects.toMatchObject({
      code: "conflict",
      details: { state: "rolled_back" },
    });
    expect(await visible(w.broker)).toEqual([]);
  });

  it("sendInTransaction commits or rolls back as the local step answers", async () => {
    const w = await world();
    const producer = new Producer(new LocalTransport(w.broker), { topic: TOPIC });
    const committed = await producer.sendInTransaction([{ body: 1 }, { body: 2 }], () => "commit");
    expect(committed.state).toBe("committed");
    expect(committed.results.every((r) => typeof r.offset === "number")).toBe(true);
    const rolledBack = await producer.sendInTransaction(
      [{ body: 3 }],
      async () => "rollback" as const,
    );
    expect(rolledBack.state).toBe("rolled_back");
    await expect(
      producer.sendInTransaction([{ body: 4 }], () => {
        throw new Error("database down");
      }),
    ).rejects.toThrow("database down");
    // The failed local step left its transaction to the check-back.
    expect((await w.broker.listTransactions(TOPIC)).map((t) => t.messages[0]?.body)).toEqual([4]);
    expect((await visible(w.broker)).map((m) => m.body).sort()).toEqual([1, 2]);
  });

  it("property: committed once and in full, rolled back never, undecided never visible", async () => {
    type Op =
      | { t: "begin"; keys: number }
      | { t: "decide"; which: number; action: "commit" | "rollback" }
      | { t: "advance" }
      | { t: "restart" }
      | { t: "retry"; which: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ t: fc.constant("begin" as const), keys: fc.integer({ min: 1, max: 3 }) }),
      fc.record({
        t: fc.constant("decide" as const),
        which: fc.nat(5),
        action: fc.constantFrom("commit" as const, "rollback" as const),
      }),
      fc.constant({ t: "advance" as const }),
      fc.constant({ t: "restart" as const }),
      fc.record({ t: fc.constant("retry" as const), which: fc.nat(5) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
        const w = await world(3, 2);
        const txs: Array<{ txId: string; seqs: number[]; state: string }> = [];
        let seq = 1;
        for (const o of ops) {
          if (o.t === "begin") {
            const seqs = Array.from({ length: o.keys }, () => seq++);
            const half = await halfSend(w.broker, "p", seqs, ["x", "y", "z"]);
            txs.push({ txId: half[0]!.txId!, seqs, state: "pending" });
          } else if (o.t === "decide" && txs.length > 0) {
            const tx = txs[o.which % txs.length]!;
            const target = o.action === "commit" ? "committed" : "rolled_back";
            try {
              await w.broker.endTransaction(TOPIC, tx.txId, o.action);
              expect(tx.state === "pending" || tx.state === target).toBe(true);
              tx.state = target;
            } catch (error) {
              expect(error).toMatchObject({ code: "conflict" });
              expect(tx.state).not.toBe("pending");
            }
          } else if (o.t === "retry" && txs.length > 0) {
            const tx = txs[o.which % txs.length]!;
            const again = await halfSend(w.broker, "p", tx.seqs, ["x", "y", "z"]);
            expect(again.every((r) => r.status === "duplicate")).toBe(true);
          } else if (o.t === "advance") {
            await w.advance(INTERVAL);
            // The last check rolls back what nobody decided.
            const pending = new Set((await w.broker.listTransactions(TOPIC)).map((t) => t.txId));
            for (const tx of txs)
              if (tx.state === "pending" && !pending.has(tx.txId)) tx.state = "rolled_back";
          } else if (o.t === "restart") await w.restart();
          const log = await visible(w.broker);
          const seen = log.map((m) => m.seq!).sort((a, b) => a - b);
          const expected = txs
            .filter((t) => t.state === "committed")
            .flatMap((t) => t.seqs)
            .sort((a, b) => a - b);
          expect(seen).toEqual(expected);
        }
      }),
      { numRuns: 100 },
    );
  });
});
