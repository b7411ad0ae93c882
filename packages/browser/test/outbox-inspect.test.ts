import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inspectOutbox, type QueuedMessage } from "../src/index.js";
import { flushEventually, freshOutbox, healthyNetwork, messagesOf } from "./helpers.js";

beforeEach(healthyNetwork);
afterEach(healthyNetwork);

describe("inspectOutbox on IndexedDB against the real broker", () => {
  it("fires queued for every send after a listener is added, however late", async () => {
    const outbox = await freshOutbox({ autoSync: false });
    const before = await outbox.send({ i: 0 });
    const heard: string[] = [];
    outbox.addEventListener("queued", (e) => heard.push(...e.detail.messages.map((m) => m.id)));
    const after = await Promise.all([outbox.send({ i: 1 }), outbox.send({ i: 2 })]);
    expect(heard).toEqual(after.map((m) => m.id));
    expect(heard).not.toContain(before.id);
    await outbox.close();
  });

  it("follows a message by its id from saved to acknowledged, with the broker's msgId", async () => {
    // Not syncing until flush: every message stays pending (none is on the wire) meanwhile.
    const outbox = await freshOutbox({ autoSync: false });
    const inspector = inspectOutbox(outbox);
    const queuedIds: string[] = [];
    const ackedIds: string[] = [];
    outbox.addEventListener("queued", (e) => queuedIds.push(...e.detail.messages.map((m) => m.id)));
    outbox.addEventListener("acknowledged", (e) =>
      ackedIds.push(...e.detail.messages.map((m) => m.id)),
    );
    const sent: QueuedMessage[] = [];
    for (let i = 0; i < 7; i++) sent.push(await outbox.send({ i }, { key: "k" }));
    expect(queuedIds).toEqual(sent.map((s) => s.id));
    expect(await inspector.status(sent[3]!.id)).toMatchObject({
      state: "pending",
      body: { i: 3 },
      options: { key: "k" },
    });
    // Paging the pending messages: 3, 3, then 1.
    const first = await inspector.list({ state: "pending", limit: 3 });
    const second = await inspector.list({ state: "pending", limit: 3, cursor: first.next });
    const third = await inspector.list({ state: "pending", limit: 3, cursor: second.next });
    expect([first, second, third].map((p) => p.messages.map((m) => m.seq))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7],
    ]);
    expect(third.next).toBeUndefined();

    await flushEventually(outbox);
    expect(ackedIds).toEqual(sent.map((s) => s.id));
    const status = await inspector.status(sent[6]!.id);
    expect(status).toMatchObject({ state: "acknowledged", answer: { status: "stored" } });
    const stored = await messagesOf("outbox", outbox.producerId);
    expect(stored.find((m) => m.seq === 7)).toMatchObject({
      msgId: status.answer!.msgId,
      offset: status.answer!.offset,
    });
    const recent = await inspector.list({ state: "acknowledged", limit: 5 });
    expect(recent.messages.map((m) => m.seq)).toEqual([7, 6, 5, 4, 3]);
    expect(recent.next).toBe(3);
    expect(await inspector.list({ state: "pending" })).toEqual({ messages: [] });
    await outbox.close();
  });

  it("shows the batch on the wire as in flight in the syncing tab", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const onWire = new Promise<void>((r) => {
      entered = r;
    });
    const outbox = await freshOutbox({
      batchSize: 2,
      // The first request waits until the test has looked.
      fetch: async (input, init) => {
        entered();
        await held;
        return fetch(input, init);
      },
    });
    const inspector = inspectOutbox(outbox);
    const sent = await outbox.sendBatch([1, 2, 3].map((n) => ({ body: n })));
    await onWire;
    expect((await inspector.list({ state: "inFlight" })).messages.map((m) => m.id)).toEqual([
      sent[0]!.id,
      sent[1]!.id,
    ]);
    expect((await inspector.status(sent[2]!.id)).state).toBe("pending");
    release();
    await flushEventually(outbox);
    expect((await inspector.status(sent[0]!.id)).state).toBe("acknowledged");
    await outbox.close();
  });

  it("lists a refused message as a dead letter with the reason; retry sends a new copy, discard drops it", async () => {
    const outbox = await freshOutbox({ topic: "tiny" });
    const inspector = inspectOutbox(outbox);
    const failedIds: string[] = [];
    outbox.addEventListener("failed", (e) => failedIds.push(e.detail.deadLetter.id));
    const big = await outbox.send("x".repeat(3000));
    await outbox.flush();
    expect(failedIds).toEqual([big.id]);
    const dead = await inspector.list({ state: "deadLetter" });
    expect(dead.messages).toMatchObject([
      { id: big.id, state: "deadLetter", reason: { code: "too_large", status: 413 } },
    ]);

    const queued: string[] = [];
    outbox.addEventListener("queued", (e) => queued.push(...e.detail.messages.map((m) => m.id)));
    const copy = await inspector.retry(big.id);
    expect(queued).toEqual([copy.id]);
    expect(copy.id).not.toBe(big.id);
    expect((await inspector.status(big.id)).state).toBe("forgotten");
    // The broker still refuses it: the copy comes back as a dead letter of its own.
    await expect.poll(() => failedIds.length, { message: "the copy to fail" }).toBe(2);
    expect(failedIds).toEqual([big.id, copy.id]);
    expect(await inspector.discard(copy.id)).toBe(true);
    expect(await inspector.list({ state: "deadLetter" })).toEqual({ messages: [] });
    expect(await messagesOf("tiny", outbox.producerId)).toEqual([]);
    await outbox.close();
  });
});
