import { expect } from "vitest";
import type { LeasedMessage, SendResult } from "../model.js";
import {
  type ContractTest,
  fresh,
  groupAtHead,
  rejectsWith,
  type TransportHarness,
} from "./transport-harness.js";

/** Long enough that no lease runs out during a test, on any host. */
const LEASE_MS = 10 * 60_000;

/** Sends `n` messages with one fresh key (so to one queue) and returns their results. */
async function sendKeyed(h: TransportHarness, n: number): Promise<SendResult[]> {
  const key = fresh("k");
  const messages = Array.from({ length: n }, (_, body) => ({ body, key }));
  return h.transport.send(h.topic, { messages });
}

const ids = (messages: Array<{ msgId?: string }>) => messages.map((m) => m.msgId).sort();

/** Offsets, leases, acks, nacks, extends, send-back, dead letters and redrive. */
export function registerConsumeContract(test: ContractTest): void {
  test("a new group has no committed offsets", async (h) => {
    expect(await h.transport.getOffsets(h.topic, fresh("g"))).toEqual({});
  });

  test("commitOffsets never moves an offset back, unless reset", async (h) => {
    const group = fresh("g");
    const sent = await sendKeyed(h, 3);
    const queue = String(sent[0]!.queueId);
    const first = sent[0]!.offset!;
    await h.transport.commitOffsets(h.topic, group, { [queue]: first + 2 });
    expect(await h.transport.getOffsets(h.topic, group)).toEqual({ [queue]: first + 2 });
    await h.transport.commitOffsets(h.topic, group, { [queue]: first + 1 });
    expect(await h.transport.getOffsets(h.topic, group)).toEqual({ [queue]: first + 2 });
    await h.transport.commitOffsets(h.topic, group, { [queue]: first }, { reset: true });
    expect(await h.transport.getOffsets(h.topic, group)).toEqual({ [queue]: first });
  });

  test("bad commits are rejected: invalid offsets, past the head, unknown queues", async (h) => {
    const group = fresh("g");
    const q = (await h.transport.stats(h.topic)).queues[0]!;
    await rejectsWith(h.transport.commitOffsets(h.topic, group, {}), "invalid_request");
    await rejectsWith(h.transport.commitOffsets(h.topic, group, { "0": -1 }), "invalid_request");
    await rejectsWith(
      h.transport.commitOffsets(h.topic, group, { "0": q.headOffset + 1 }),
      "offset_out_of_range",
    );
    const { queueCount } = await h.transport.topicInfo(h.topic);
    await rejectsWith(
      h.transport.commitOffsets(h.topic, group, { [String(queueCount)]: 0 }),
      "not_found",
    );
    await rejectsWith(h.transport.getOffsets(h.topic, "not a name!"), "invalid_request");
    expect(await h.transport.getOffsets(h.topic, group)).toEqual({});
  });

  test("receive leases a group's new messages with receipts, at most max; ack settles them", async (h) => {
    const group = await groupAtHead(h);
    const sent = await sendKeyed(h, 3);
    const firstTwo = await h.transport.receive(h.topic, group, { max: 2, visibilityMs: LEASE_MS });
    expect(firstTwo.map((m) => m.msgId)).toEqual([sent[0]!.msgId, sent[1]!.msgId]);
    const last = await h.transport.receive(h.topic, group, { max: 10, visibilityMs: LEASE_MS });
    expect(last.map((m) => m.msgId)).toEqual([sent[2]!.msgId]);
    const leased = [...firstTwo, ...last];
    for (const m of leased) {
      expect(m).toMatchObject({ topic: h.topic, deliveryCount: 1, reconsumeTimes: 0 });
      expect(m.receipt).toEqual(expect.any(String));
    }
    expect(leased.map((m) => m.body)).toEqual([0, 1, 2]);
    expect(new Set(leased.map((m) => m.receipt)).size).toBe(3);
    expect((await h.transport.stats(h.topic)).groups[group]?.inFlight).toBe(3);

    await h.transport.ack(
      h.topic,
      group,
      leased.map((m) => m.receipt),
    );
    expect((await h.transport.stats(h.topic)).groups[group]).toMatchObject({
      inFlight: 0,
      retrying: 0,
    });
    expect(await h.transport.receive(h.topic, group, { visibilityMs: LEASE_MS })).toEqual([]);
  });

  test("receive with retriesOnly leaves new messages for a plain receive", async (h) => {
    const group = await groupAtHead(h);
    const [sent] = await sendKeyed(h, 1);
    const options = { visibilityMs: LEASE_MS };
    expect(await h.transport.receive(h.topic, group, { ...options, retriesOnly: true })).toEqual(
      [],
    );
    const leased = await h.transport.receive(h.topic, group, options);
    expect(leased.map((m) => m.msgId)).toEqual([sent!.msgId]);
    await h.transport.ack(h.topic, group, [leased[0]!.receipt]);
  });

  test("group settings: ordered holds a key's next message until the one before it is acked", async (h) => {
    const group = await groupAtHead(h);
    expect(await h.transport.groupSettings(h.topic, group)).toEqual({});
    expect(await h.transport.setGroupSettings(h.topic, group, { ordered: true })).toEqual({
      ordered: true,
    });
    expect(await h.transport.groupSettings(h.topic, group)).toEqual({ ordered: true });
    const sent = await sendKeyed(h, 2);
    const first = await h.transport.receive(h.topic, group, { max: 10, visibilityMs: LEASE_MS });
    expect(ids(first)).toEqual([sent[0]!.msgId]);
    expect(await h.transport.receive(h.topic, group, { max: 10 })).toEqual([]);
    await h.transport.ack(h.topic, group, [first[0]!.receipt]);
    const second = await h.transport.receive(h.topic, group, { max: 10, visibilityMs: LEASE_MS });
    expect(ids(second)).toEqual([sent[1]!.msgId]);
    await rejectsWith(
      h.transport.setGroupSettings(h.topic, group, { ordered: "yes" } as never),
      "invalid_request",
    );
    expect(await h.transport.groupSettings(h.topic, group)).toEqual({ ordered: true });
  });

  test("bad receives are invalid_request", async (h) => {
    const group = fresh("g");
    await rejectsWith(h.transport.receive(h.topic, group, { max: 0 }), "invalid_request");
    await rejectsWith(h.transport.receive(h.topic, group, { visibilityMs: 0 }), "invalid_request");
    await rejectsWith(h.transport.receive(h.topic, "not a name!"), "invalid_request");
  });

  test("an unknown receipt fails ack, nack and extend with not_found naming it, and changes nothing", async (h) => {
    const { group, message } = await leaseOne(h);
    const [good, bogus] = [message.receipt, "no-such-receipt"];
    for (const call of [
      () => h.transport.ack(h.topic, group, [good, bogus]),
      () => h.transport.nack(h.topic, group, [good, bogus], { delayMs: 0 }),
      () => h.transport.extend(h.topic, group, [good, bogus], LEASE_MS),
    ]) {
      const error = await rejectsWith(call(), "not_found");
      expect(error.details?.receipts).toEqual([bogus]);
    }
    // The good receipt was neither acked, nacked nor extended away: it still acks.
    await h.transport.ack(h.topic, group, [good]);
  });

  test("a receipt acked twice is a conflict naming it, and the call changes nothing", async (h) => {
    const group = await groupAtHead(h);
    await sendKeyed(h, 2);
    const [a, b] = await h.transport.receive(h.topic, group, { max: 2, visibilityMs: LEASE_MS });
    await h.transport.ack(h.topic, group, [a!.receipt]);
    const twice = await rejectsWith(h.transport.ack(h.topic, group, [a!.receipt]), "conflict");
    expect(twice.details?.receipts).toEqual([a!.receipt]);
    // All or nothing: b (same queue) is still leased after a call that named a stale receipt.
    const mixed = await rejectsWith(
      h.transport.ack(h.topic, group, [b!.receipt, a!.receipt]),
      "conflict",
    );
    expect(mixed.details?.receipts).toEqual([a!.receipt]);
    await rejectsWith(h.transport.extend(h.topic, group, [a!.receipt], LEASE_MS), "conflict");
    await rejectsWith(h.transport.nack(h.topic, group, [a!.receipt]), "conflict");
    await h.transport.ack(h.topic, group, [b!.receipt]);
  });

  test("nack hands a message back: leased again with one more reconsume, the old receipt stale", async (h) => {
    const { group, message: first } = await leaseOne(h);
    await h.transport.nack(h.topic, group, [first.receipt], { delayMs: 0 });
    const options = { visibilityMs: LEASE_MS, retriesOnly: true };
    const [again, ...more] = await h.transport.receive(h.topic, group, options);
    expect(more).toEqual([]);
    expect(again).toMatchObject({ msgId: first.msgId, reconsumeTimes: 1, deliveryCount: 2 });
    expect(again!.receipt).not.toBe(first.receipt);
    await rejectsWith(h.transport.ack(h.topic, group, [first.receipt]), "conflict");
    await h.transport.ack(h.topic, group, [again!.receipt]);
  });

  test("extend keeps a lease: the receipt stays valid and the message in flight", async (h) => {
    const { group, message: leased } = await leaseOne(h);
    await h.transport.extend(h.topic, group, [leased.receipt], LEASE_MS * 2);
    expect((await h.transport.stats(h.topic)).groups[group]?.inFlight).toBe(1);
    await rejectsWith(h.transport.extend(h.topic, group, [leased.receipt], 0), "invalid_request");
    await h.transport.ack(h.topic, group, [leased.receipt]);
  });

  test("sendBack puts a message in the group's retry queue once, however often it is sent", async (h) => {
    const group = fresh("g");
    const [sent] = await sendKeyed(h, 1);
    const message = { queueId: sent!.queueId, offset: sent!.offset! };
    await h.transport.sendBack(h.topic, group, message, { delayMs: 0 });
    await h.transport.sendBack(h.topic, group, message, { delayMs: 0 });
    expect((await h.transport.stats(h.topic)).groups[group]?.retrying).toBe(1);
    const options = { visibilityMs: LEASE_MS, retriesOnly: true, max: 10 };
    const retried = await h.transport.receive(h.topic, group, options);
    expect(retried.map((m) => [m.msgId, m.reconsumeTimes, m.body])).toEqual([[sent!.msgId, 1, 0]]);
    await h.transport.ack(h.topic, group, [retried[0]!.receipt]);
    expect((await h.transport.stats(h.topic)).groups[group]).toMatchObject({
      retrying: 0,
      inFlight: 0,
    });
  });

  test("sendBack of an offset past the head is not_found", async (h) => {
    const q = (await h.transport.stats(h.topic)).queues[0]!;
    const message = { queueId: q.queueId, offset: q.headOffset + 1000 };
    await rejectsWith(h.transport.sendBack(h.topic, fresh("g"), message), "not_found");
  });

  test("past maxReconsumeTimes a message goes to the dead-letter queue; redrive brings it back", async (h) => {
    const group = fresh("g");
    const [sent] = await sendKeyed(h, 1);
    await h.transport.sendBack(
      h.topic,
      group,
      { queueId: sent!.queueId, offset: sent!.offset! },
      { delayMs: 0 },
    );
    const options = { visibilityMs: LEASE_MS, retriesOnly: true, max: 10 };
    for (let reconsume = 1; reconsume <= h.maxReconsumeTimes; reconsume++) {
      const [m, ...more] = await h.transport.receive(h.topic, group, options);
      expect(more).toEqual([]);
      expect(m).toMatchObject({ msgId: sent!.msgId, reconsumeTimes: reconsume });
      await h.transport.nack(h.topic, group, [m!.receipt], { delayMs: 0 });
    }
    expect(await h.transport.receive(h.topic, group, options)).toEqual([]);
    const dead = await h.transport.listDeadLetters(h.topic, group);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: "max_reconsume_times" });
    expect(dead[0]!.message).toMatchObject({
      msgId: sent!.msgId,
      body: 0,
      reconsumeTimes: h.maxReconsumeTimes,
    });
    expect((await h.transport.stats(h.topic)).groups[group]).toMatchObject({
      deadLetters: 1,
      retrying: 0,
    });

    expect(await h.transport.redrive(h.topic, group, { msgIds: ["no-such-message"] })).toBe(0);
    expect(await h.transport.redrive(h.topic, group)).toBe(1);
    expect(await h.transport.listDeadLetters(h.topic, group)).toEqual([]);
    const back = await h.transport.receive(h.topic, group, options);
    expect(back.map((m) => [m.msgId, m.reconsumeTimes, m.body])).toEqual([[sent!.msgId, 0, 0]]);
    await h.transport.ack(h.topic, group, [back[0]!.receipt]);
    expect((await h.transport.stats(h.topic)).groups[group]).toMatchObject({
      deadLetters: 0,
      retrying: 0,
      inFlight: 0,
    });
  });

  test("redrive by msgIds moves only those dead letters", async (h) => {
    const group = fresh("g");
    const sent = await sendKeyed(h, 2);
    for (const s of sent)
      await h.transport.sendBack(
        h.topic,
        group,
        { queueId: s.queueId, offset: s.offset! },
        { delayMs: 0 },
      );
    const options = { visibilityMs: LEASE_MS, retriesOnly: true, max: 10 };
    for (let i = 0; i < h.maxReconsumeTimes; i++) {
      const leased = await h.transport.receive(h.topic, group, options);
      expect(ids(leased)).toEqual(ids(sent));
      await h.transport.nack(
        h.topic,
        group,
        leased.map((m) => m.receipt),
        { delayMs: 0 },
      );
    }
    expect(ids((await h.transport.listDeadLetters(h.topic, group)).map((d) => d.message))).toEqual(
      ids(sent),
    );
    expect(await h.transport.redrive(h.topic, group, { msgIds: [sent[1]!.msgId!] })).toBe(1);
    const left = await h.transport.listDeadLetters(h.topic, group);
    expect(left.map((d) => d.message.msgId)).toEqual([sent[0]!.msgId]);
    const back = await h.transport.receive(h.topic, group, options);
    expect(back.map((m) => m.msgId)).toEqual([sent[1]!.msgId]);
    await h.transport.ack(h.topic, group, [back[0]!.receipt]);
  });
}

/** Sends one message and leases it to a new group. */
async function leaseOne(h: TransportHarness): Promise<{ group: string; message: LeasedMessage }> {
  const group = await groupAtHead(h);
  const [sent] = await sendKeyed(h, 1);
  const leased = await h.transport.receive(h.topic, group, { visibilityMs: LEASE_MS });
  expect(leased.map((m) => m.msgId)).toEqual([sent!.msgId]);
  return { group, message: leased[0]! };
}
