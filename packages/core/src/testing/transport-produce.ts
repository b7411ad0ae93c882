import { expect } from "vitest";
import type { AppendRequest, TransactionAction } from "../model.js";
import { type ContractTest, fresh, rejectsWith } from "./transport-harness.js";

/** topicInfo, send, read, getMessage, queryByKey, stats, transactions and request errors. */
export function registerProduceContract(test: ContractTest): void {
  test("topicInfo names the topic and its queue count, as stats does", async (h) => {
    const info = await h.transport.topicInfo(h.topic);
    const stats = await h.transport.stats(h.topic);
    expect(info).toEqual({ topic: h.topic, queueCount: stats.queues.length });
    expect(info.queueCount).toBeGreaterThanOrEqual(2);
    expect(stats.topic).toBe(h.topic);
    expect(stats.queues.map((q) => q.queueId)).toEqual([...Array(info.queueCount).keys()]);
  });

  test("send stores each message and answers per message, in request order", async (h) => {
    const producerId = fresh("p");
    const key = fresh("k");
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const results = await h.transport.send(h.topic, {
      producerId,
      messages: [
        { body: { n: 1, list: ["a", null] }, key, seq: 1 },
        { body: "two", seq: 2, tags: ["x", "y"], headers: { h: "v" } },
        { body: bytes, key, seq: 3 },
      ],
    });
    expect(results.map((r) => [r.status, r.seq])).toEqual([
      ["stored", 1],
      ["stored", 2],
      ["stored", 3],
    ]);
    const { queueCount } = await h.transport.topicInfo(h.topic);
    for (const r of results) {
      expect(r.msgId).toEqual(expect.any(String));
      expect(Number.isInteger(r.offset) && r.offset! >= 0).toBe(true);
      expect(r.queueId >= 0 && r.queueId < queueCount).toBe(true);
    }
    expect(new Set(results.map((r) => r.msgId)).size).toBe(3);
    // One key, one queue, in order.
    expect(results[2]!.queueId).toBe(results[0]!.queueId);
    expect(results[2]!.offset!).toBeGreaterThan(results[0]!.offset!);

    const stored = await Promise.all(results.map((r) => h.transport.getMessage(h.topic, r.msgId!)));
    expect(stored.map((m) => m.body)).toEqual([{ n: 1, list: ["a", null] }, "two", bytes]);
    expect(stored[0]).toMatchObject({ topic: h.topic, key, producerId, seq: 1, reconsumeTimes: 0 });
    expect(stored[1]).toMatchObject({ tags: ["x", "y"], headers: { h: "v" }, seq: 2 });
    expect(stored[1]!.key).toBeUndefined();
    stored.forEach((m, i) => {
      expect([m.msgId, m.queueId, m.offset]).toEqual([
        results[i]!.msgId,
        results[i]!.queueId,
        results[i]!.offset,
      ]);
      expect(m.producedAt).toBeGreaterThan(0);
    });
  });

  test("a resend of the same producerId and seqs is answered duplicate with the original's place", async (h) => {
    const producerId = fresh("p");
    const key = fresh("k");
    const batch = (seqs: number[]): AppendRequest => ({
      producerId,
      messages: seqs.map((seq) => ({ body: seq, key, seq })),
    });
    const first = await h.transport.send(h.topic, batch([1, 2]));
    const again = await h.transport.send(h.topic, batch([1, 2, 3]));
    expect(again.map((r) => r.status)).toEqual(["duplicate", "duplicate", "stored"]);
    for (const i of [0, 1])
      expect(again[i]).toMatchObject({
        seq: i + 1,
        msgId: first[i]!.msgId,
        queueId: first[i]!.queueId,
        offset: first[i]!.offset,
      });
    // The log holds one copy of each.
    const stored = await h.transport.queryByKey(h.topic, key);
    expect(stored.map((m) => m.body)).toEqual([1, 2, 3]);
  });

  test("messages with one key go to one queue, in the order sent", async (h) => {
    const key = fresh("k");
    const results = [];
    for (const bodies of [[0, 1], [2], [3, 4, 5]])
      results.push(
        ...(await h.transport.send(h.topic, { messages: bodies.map((body) => ({ body, key })) })),
      );
    expect(new Set(results.map((r) => r.queueId)).size).toBe(1);
    const offsets = results.map((r) => r.offset!);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(6);
  });

  test("read pages by from and limit, with nextOffset, headOffset and minOffset", async (h) => {
    const key = fresh("k");
    const sent = await h.transport.send(h.topic, {
      messages: [0, 1, 2].map((body) => ({ body, key })),
    });
    const queueId = sent[0]!.queueId;
    const from = sent[0]!.offset!;
    // One send of one key: consecutive offsets on one queue.
    expect(sent.map((r) => [r.queueId, r.offset])).toEqual(
      [0, 1, 2].map((i) => [queueId, from + i]),
    );
    const page = await h.transport.read(h.topic, queueId, { from, limit: 2 });
    expect(page.messages.map((m) => [m.offset, m.body])).toEqual([
      [from, 0],
      [from + 1, 1],
    ]);
    expect(page.nextOffset).toBe(from + 2);
    expect(page.headOffset).toBeGreaterThanOrEqual(from + 3);
    expect(page.minOffset).toBeLessThanOrEqual(from);
    const rest = await h.transport.read(h.topic, queueId, { from: page.nextOffset, limit: 1 });
    expect(rest.messages.map((m) => m.msgId)).toEqual([sent[2]!.msgId]);
    expect(rest.nextOffset).toBe(from + 3);
  });

  test("a read at the head returns nothing and stays there", async (h) => {
    const stats = await h.transport.stats(h.topic);
    const q = stats.queues[0]!;
    const read = await h.transport.read(h.topic, q.queueId, { from: q.headOffset });
    expect(read.messages).toEqual([]);
    expect(read.nextOffset).toBe(q.headOffset);
    expect(read.headOffset).toBe(q.headOffset);
  });

  test("read with tags returns only messages carrying one of them, and moves past the rest", async (h) => {
    const key = fresh("k");
    const tags = [["a"], ["b"], [], ["c", "b"], ["a"]];
    const sent = await h.transport.send(h.topic, {
      messages: tags.map((t, body) => ({ body, key, tags: t })),
    });
    const { queueId, offset: from } = sent[0]!;
    const read = await h.transport.read(h.topic, queueId, { from: from!, limit: 5, tags: ["b"] });
    expect(read.messages.map((m) => m.body)).toEqual([1, 3]);
    expect(read.nextOffset).toBeGreaterThanOrEqual(sent[3]!.offset! + 1);
    expect(read.nextOffset).toBeLessThanOrEqual(sent[4]!.offset! + 1);
  });

  test("a read past the head is offset_out_of_range, with minOffset in details", async (h) => {
    const q = (await h.transport.stats(h.topic)).queues[1]!;
    const error = await rejectsWith(
      h.transport.read(h.topic, q.queueId, { from: q.headOffset + 1000 }),
      "offset_out_of_range",
    );
    expect(error.details?.minOffset).toBe(q.minOffset);
  });

  test("getMessage of an unknown id is not_found", async (h) => {
    await rejectsWith(h.transport.getMessage(h.topic, "no-such-message"), "not_found");
  });

  test("queryByKey answers a key's messages oldest first, up to limit", async (h) => {
    const key = fresh("k");
    await h.transport.send(h.topic, { messages: [0, 1, 2].map((body) => ({ body, key })) });
    await h.transport.send(h.topic, { messages: [{ body: "other", key: fresh("k") }] });
    expect((await h.transport.queryByKey(h.topic, key)).map((m) => m.body)).toEqual([0, 1, 2]);
    const limited = await h.transport.queryByKey(h.topic, key, { limit: 2 });
    expect(limited.map((m) => [m.key, m.body])).toEqual([
      [key, 0],
      [key, 1],
    ]);
    expect(await h.transport.queryByKey(h.topic, fresh("unused"))).toEqual([]);
  });

  test("stats: a queue's headOffset passes what was sent to it", async (h) => {
    const [sent] = await h.transport.send(h.topic, { messages: [{ body: 1, key: fresh("k") }] });
    const q = (await h.transport.stats(h.topic)).queues[sent!.queueId]!;
    expect(q.queueId).toBe(sent!.queueId);
    expect(q.headOffset).toBeGreaterThan(sent!.offset!);
    expect(q.minOffset).toBeLessThanOrEqual(sent!.offset!);
  });

  test("a transaction's messages stay invisible until commit, then take their place", async (h) => {
    const producerId = fresh("p");
    const key = fresh("k");
    const half = await h.transport.send(h.topic, {
      producerId,
      transactional: true,
      messages: [
        { body: "a", key, seq: 1 },
        { body: new Uint8Array([7]), key, seq: 2 },
      ],
    });
    const txId = half[0]!.txId!;
    expect(txId).toEqual(expect.any(String));
    expect(half.map((r) => [r.status, r.txId])).toEqual([
      ["stored", txId],
      ["stored", txId],
    ]);
    expect(await h.transport.queryByKey(h.topic, key)).toEqual([]);
    const [pending, ...others] = await h.transport.listTransactions(h.topic, { producerId });
    expect(others).toEqual([]);
    expect(pending).toMatchObject({ txId, producerId, state: "pending" });
    expect(pending!.messages.map((m) => m.body)).toEqual(["a", new Uint8Array([7])]);

    const committed = await h.transport.endTransaction(h.topic, txId, "commit");
    expect(committed).toMatchObject({ txId, state: "committed" });
    const visible = await h.transport.queryByKey(h.topic, key);
    expect(visible.map((m) => m.body)).toEqual(["a", new Uint8Array([7])]);
    // The commit says where each message went.
    expect(committed.results?.map((r) => [r.seq, r.msgId, r.offset])).toEqual(
      visible.map((m) => [m.seq, m.msgId, m.offset]),
    );
    expect(await h.transport.listTransactions(h.topic, { producerId })).toEqual([]);
    // Repeating the decision is harmless; the other one is a conflict.
    expect(await h.transport.endTransaction(h.topic, txId, "commit")).toMatchObject({
      state: "committed",
    });
    await rejectsWith(h.transport.endTransaction(h.topic, txId, "rollback"), "conflict");
  });

  test("a rolled back transaction's messages are never visible", async (h) => {
    const producerId = fresh("p");
    const key = fresh("k");
    const [half] = await h.transport.send(h.topic, {
      producerId,
      transactional: true,
      messages: [{ body: "gone", key, seq: 1 }],
    });
    const rolledBack = await h.transport.endTransaction(h.topic, half!.txId!, "rollback");
    expect(rolledBack).toMatchObject({ txId: half!.txId, state: "rolled_back" });
    expect(await h.transport.listTransactions(h.topic, { producerId })).toEqual([]);
    expect(await h.transport.queryByKey(h.topic, key)).toEqual([]);
  });

  test("endTransaction: an unknown transaction is not_found, a bad action invalid_request", async (h) => {
    await rejectsWith(h.transport.endTransaction(h.topic, "no-such-tx", "commit"), "not_found");
    const producerId = fresh("p");
    const [half] = await h.transport.send(h.topic, {
      producerId,
      transactional: true,
      messages: [{ body: 1, seq: 1 }],
    });
    const bad = "maybe" as TransactionAction;
    await rejectsWith(h.transport.endTransaction(h.topic, half!.txId!, bad), "invalid_request");
    await h.transport.endTransaction(h.topic, half!.txId!, "rollback");
  });

  test("an unknown topic is not_found, on every kind of call", async (h) => {
    const topic = fresh("no-topic");
    await rejectsWith(h.transport.topicInfo(topic), "not_found");
    await rejectsWith(h.transport.send(topic, { messages: [{ body: 1 }] }), "not_found");
    await rejectsWith(h.transport.read(topic, 0, { from: 0 }), "not_found");
    await rejectsWith(h.transport.getOffsets(topic, "g"), "not_found");
    await rejectsWith(h.transport.receive(topic, "g"), "not_found");
    await rejectsWith(h.transport.stats(topic), "not_found");
    await rejectsWith(h.transport.listTransactions(topic), "not_found");
  });

  test("a queue the topic does not have is not_found", async (h) => {
    const { queueCount } = await h.transport.topicInfo(h.topic);
    await rejectsWith(h.transport.read(h.topic, queueCount, { from: 0 }), "not_found");
  });

  test("bad requests are invalid_request and store nothing", async (h) => {
    const key = fresh("k");
    await rejectsWith(h.transport.send(h.topic, { messages: [] }), "invalid_request");
    await rejectsWith(
      h.transport.send(h.topic, { producerId: "not a name!", messages: [{ body: 1, key }] }),
      "invalid_request",
    );
    // One bad message fails the whole batch.
    await rejectsWith(
      h.transport.send(h.topic, {
        messages: [
          { body: 1, key },
          { body: 2, key, seq: -1 },
        ],
      }),
      "invalid_request",
    );
    expect(await h.transport.queryByKey(h.topic, key)).toEqual([]);
    await rejectsWith(h.transport.read(h.topic, 0, { from: -1 }), "invalid_request");
    await rejectsWith(h.transport.read(h.topic, 0, { from: 0, limit: 0 }), "invalid_request");
  });
}
