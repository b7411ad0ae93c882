import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { queueObjectName } from "../src/shared/queue-ref.js";
import { fetchJson as get, post } from "./api.js";
import { useVirtualTime } from "./virtual-time.js";

const stub = (topic: string) =>
  env.QUEUE.get(env.QUEUE.idFromName(queueObjectName({ topic, queueId: 0 })));

const alarmOf = (topic: string) =>
  runInDurableObject(stub(topic), (_instance, state) => state.storage.getAlarm());

useVirtualTime();

/** Moves the clock to the queue's alarm time (never backwards) and runs the alarm. */
async function passAlarm(topic: string): Promise<void> {
  const at = await alarmOf(topic);
  expect(at, `an alarm is set for ${topic}`).not.toBeNull();
  vi.setSystemTime(Math.max(at ?? 0, Date.now()));
  expect(await runDurableObjectAlarm(stub(topic))).toBe(true);
}

type Leased = { msgId: string; receipt: string; deliveryCount: number; reconsumeTimes: number };
const receive = (topic: string, group: string, visibilityMs = 60_000) =>
  post<{ messages: Leased[] }>(`/${topic}/groups/${group}/receive`, { max: 10, visibilityMs }).then(
    (r) => r.messages,
  );

describe("alarm-driven behaviour", () => {
  it("makes a delayed message visible when it is due", async () => {
    const { results } = await post<{ results: Array<{ deliverAt: number; offset?: number }> }>(
      "/quick/messages",
      { messages: [{ body: "later", delayMs: 300 }] },
    );
    expect(results[0]!.offset).toBeUndefined();
    expect(
      (await get<{ messages: unknown[] }>("/quick/queues/0/messages?from=0")).body.messages,
    ).toEqual([]);
    // The object's one alarm is armed for the message's due time.
    const deliverAt = results[0]!.deliverAt;
    expect(await alarmOf("quick")).toBeLessThanOrEqual(deliverAt);
    // A millisecond early, the alarm leaves it hidden and comes back for it.
    vi.setSystemTime(deliverAt - 1);
    expect(await runDurableObjectAlarm(stub("quick"))).toBe(true);
    expect(
      (await get<{ messages: unknown[] }>("/quick/queues/0/messages?from=0")).body.messages,
    ).toEqual([]);
    expect(await alarmOf("quick")).toBe(deliverAt);
    await passAlarm("quick");
    const { body } = await get<{ messages: Array<{ body: unknown }> }>(
      "/quick/queues/0/messages?from=0",
    );
    expect(body.messages.map((m) => m.body)).toEqual(["later"]);
  });

  it("delivers an unacked lease again once it expires", async () => {
    await post("/quick/messages", { messages: [{ body: "lease me" }] });
    const [first] = (await receive("quick", "expiring", 200)).filter((m) => m.deliveryCount === 1);
    expect(first).toBeDefined();
    const leasedAt = Date.now();
    // Still leased one millisecond before its visibility ends; delivered again at its end.
    vi.setSystemTime(leasedAt + 199);
    await runDurableObjectAlarm(stub("quick"));
    expect(await receive("quick", "expiring")).toEqual([]);
    vi.setSystemTime(leasedAt + 200);
    await runDurableObjectAlarm(stub("quick"));
    const again = await receive("quick", "expiring");
    const redelivered = again.find((m) => m.msgId === first!.msgId);
    expect(redelivered?.deliveryCount).toBe(2);
  });

  it("brings a nacked message back on the retry schedule, then dead-letters it", async () => {
    const group = "nacking";
    const retrySchedule = [50, 100]; // the topic's, in vitest.config.mts
    await post("/quick/messages", { producerId: "p-dlq", messages: [{ seq: 1, body: "poison" }] });
    let [message] = await receive("quick", group);
    const msgId = message!.msgId;
    // maxReconsumeTimes is 2 for this topic: two retries, then the dead-letter queue.
    for (const attempt of [1, 2]) {
      await post(`/quick/groups/${group}/nack`, { receipts: [message!.receipt] });
      const nackedAt = Date.now();
      const delay = retrySchedule[attempt - 1]!;
      vi.setSystemTime(nackedAt + delay - 1);
      await runDurableObjectAlarm(stub("quick"));
      expect(await receive("quick", group)).toEqual([]);
      vi.setSystemTime(nackedAt + delay);
      await runDurableObjectAlarm(stub("quick"));
      [message] = (await receive("quick", group)).filter((m) => m.msgId === msgId);
      expect(message?.reconsumeTimes).toBe(attempt);
    }
    await post(`/quick/groups/${group}/nack`, { receipts: [message!.receipt] });
    const dlq = await get<{ messages: Array<{ message: { msgId: string }; reason: string }> }>(
      `/quick/groups/${group}/dlq`,
    );
    expect(dlq.body.messages.map((d) => [d.message.msgId, d.reason])).toEqual([
      [msgId, "max_reconsume_times"],
    ]);
    const stats = await get<{ groups: Record<string, { deadLetters: number }> }>("/quick/stats");
    expect(stats.body.groups[group]?.deadLetters).toBe(1);
    // Redrive puts it back in front of the group.
    expect(await post(`/quick/groups/${group}/dlq/redrive`, {})).toEqual({ redriven: 1 });
    const back = (await receive("quick", group)).find((m) => m.msgId === msgId);
    expect(back).toBeDefined();
  });

  it("applies retention, and reads below the minimum answer 416 with the bounds", async () => {
    await post("/short/messages", { messages: [1, 2, 3, 4, 5].map((body) => ({ body })) });
    await runDurableObjectAlarm(stub("short"));
    // Retention may also run when the queue is next touched; either way the minimum moved.
    const stats = await get<{ queues: Array<{ minOffset: number; headOffset: number }> }>(
      "/short/stats",
    );
    expect(stats.body.queues[0]!.headOffset).toBe(5);
    expect(stats.body.queues[0]!.minOffset).toBeGreaterThanOrEqual(3);
    const below = await get<{ error: { code: string; minOffset: number; maxOffset: number } }>(
      "/short/queues/0/messages?from=0",
    );
    expect(below.status).toBe(416);
    expect(below.body.error).toMatchObject({
      code: "offset_out_of_range",
      minOffset: stats.body.queues[0]!.minOffset,
      maxOffset: 5,
    });
    expect((await get("/short/stats")).body).toEqual(stats.body);
  });
});
