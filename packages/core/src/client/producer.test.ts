import { describe, expect, it } from "vitest";
import { EdgeqError } from "../errors.js";
import { Producer, type ProducerOptions } from "./producer.js";
import { fastSleep, openEngine } from "./test-support.js";

/** A producer over the real engine (topic `t`, 2 queues) through a FaultyTransport. */
async function setup(options: Partial<ProducerOptions> = {}) {
  const engine = await openEngine({ queueCount: 2 });
  const { transport } = engine;
  const sleep = fastSleep();
  const producer = new Producer(transport, { topic: "t", sleep, random: () => 0.5, ...options });
  // `requests`: what reached the broker (copied when sent), to compare the requests of each try.
  const requests = () => transport.argsOf("send").map(([, request]) => request);
  return { engine, transport, producer, requests, sleep };
}

describe("Producer", () => {
  it("numbers messages from firstSeq under one producer id", async () => {
    const { producer, requests } = await setup({ producerId: "p1", firstSeq: 41 });
    await producer.send({ body: 1 });
    const results = await producer.sendBatch([{ body: 2 }, { body: 3 }]);
    expect(requests().map((r) => [r.producerId, r.messages.map((m) => m.seq)])).toEqual([
      ["p1", [41]],
      ["p1", [42, 43]],
    ]);
    expect(results.map((r) => [r.status, r.seq])).toEqual([
      ["stored", 42],
      ["stored", 43],
    ]);
    expect(producer.nextSeq).toBe(44);
  });

  it("defaults to a random producer id and seq 1", async () => {
    const a = (await setup()).producer;
    const b = (await setup()).producer;
    expect(a.producerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.producerId).not.toBe(b.producerId);
    expect(a.nextSeq).toBe(1);
  });

  it("a retry after a lost response comes back duplicate and the broker keeps one copy", async () => {
    const { producer, transport, engine, requests } = await setup();
    transport.failAfter("send");
    const [result] = await producer.sendBatch([{ body: "x" }]);
    expect(transport.count("send")).toBe(2);
    expect(requests()).toHaveLength(2);
    expect(requests()[1]).toEqual(requests()[0]);
    expect(result?.status).toBe("duplicate");
    expect(result?.offset).toBe(0);
    const stored = (await engine.stored()).filter((m) => m.body === "x");
    expect(stored).toHaveLength(1);
    expect(stored[0]?.msgId).toBe(result?.msgId);
  });

  it("retries twice by default, then rejects with the last error kept as cause", async () => {
    const { producer, transport, engine } = await setup();
    let n = 0;
    transport.failBefore("send", { times: 3, error: () => new TypeError(`network ${++n}`) });
    const error = await producer.send({ body: 1 }).catch((e: unknown) => e);
    expect(transport.count("send")).toBe(3);
    expect(error).toBeInstanceOf(EdgeqError);
    expect((error as EdgeqError).code).toBe("unavailable");
    expect(((error as EdgeqError).cause as Error).message).toBe("network 3");
    expect(await engine.stored()).toHaveLength(0);
  });

  it("succeeds on the last allowed try", async () => {
    const { producer, transport } = await setup({ retries: 2 });
    transport.failBefore("send", { times: 2 });
    expect((await producer.send({ body: 1 })).status).toBe("stored");
    expect(transport.count("send")).toBe(3);
  });

  it("does not retry request errors or a closed broker, and passes them through", async () => {
    for (const code of [
      "too_large",
      "invalid_request",
      "forbidden",
      "closed",
      "conflict",
    ] as const) {
      const { producer, transport } = await setup();
      const error = new EdgeqError(code, code);
      transport.failBefore("send", { times: 5, error: () => error });
      await expect(producer.send({ body: 1 })).rejects.toBe(error);
      expect(transport.count("send")).toBe(1);
    }
  });

  it("retries unavailable, rate_limited and internal, waiting at least retryAfterMs", async () => {
    const { producer, transport, sleep } = await setup({ backoff: { baseMs: 10, maxMs: 100 } });
    const limited = new EdgeqError("rate_limited", "slow", { details: { retryAfterMs: 7000 } });
    transport.failBefore("send", { times: 1, error: () => limited });
    transport.failBefore("send", { times: 1, error: () => new EdgeqError("internal", "oops") });
    await producer.send({ body: 1 });
    expect(transport.count("send")).toBe(3);
    expect(sleep.delays).toEqual([7000, 10]);
  });

  it("stops retrying when the signal aborts and rejects with its reason", async () => {
    const { producer, transport } = await setup({ retries: 10 });
    const controller = new AbortController();
    const reason = new Error("user left");
    transport.failBefore("send", {
      times: 10,
      error: () => {
        controller.abort(reason);
        return new TypeError("network");
      },
    });
    await expect(producer.send({ body: 1 }, { signal: controller.signal })).rejects.toBe(reason);
    expect(transport.count("send")).toBe(1);
  });

  it("never reuses a seq, even after a failed send", async () => {
    const { producer, transport, requests, engine } = await setup({ retries: 0 });
    transport.failBefore("send");
    await expect(producer.send({ body: "a" })).rejects.toThrow();
    const b = await producer.send({ body: "b" });
    expect(requests().map((r) => r.messages[0]?.seq)).toEqual([2]);
    expect(b).toMatchObject({ status: "stored", seq: 2 });
    expect((await engine.stored()).map((m) => [m.body, m.seq])).toEqual([["b", 2]]);
  });

  it("rejects a caller-supplied seq and sends nothing for an empty batch", async () => {
    const { producer, transport } = await setup();
    await expect(producer.send({ body: 1, seq: 5 })).rejects.toMatchObject({
      code: "invalid_request",
    });
    expect(await producer.sendBatch([])).toEqual([]);
    expect(transport.count("send")).toBe(0);
  });
});
