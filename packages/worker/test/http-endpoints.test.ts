import { SELF } from "cloudflare:test";
import { QueueEngine } from "@edgeq/core/engine";
import { afterEach, describe, expect, it, vi } from "vitest";
import { get, headers, post, url } from "./api.js";

afterEach(() => {
  vi.restoreAllMocks();
});

type Result = { status: string; seq?: number; msgId: string; queueId: number; offset: number };
type Msg = {
  msgId: string;
  offset: number;
  queueId: number;
  body: unknown;
  key?: string;
  tags: string[];
};

describe("produce", () => {
  it("routes a key to one queue, and one producer's unkeyed messages to one queue", async () => {
    const keyed = await post<{ results: Result[] }>("/orders/messages", {
      messages: Array.from({ length: 6 }, (_, i) => ({ body: i, key: "same-key" })),
    });
    expect(new Set(keyed.results.map((r) => r.queueId)).size).toBe(1);
    // Offsets within the queue follow the send order.
    const offsets = keyed.results.map((r) => r.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));

    const unkeyed = await post<{ results: Result[] }>("/orders/messages", {
      producerId: "p-sticky",
      messages: Array.from({ length: 6 }, (_, i) => ({ seq: i + 1, body: i })),
    });
    const later = await post<{ results: Result[] }>("/orders/messages", {
      producerId: "p-sticky",
      messages: [{ seq: 7, body: 6 }],
    });
    expect(new Set([...unkeyed.results, ...later.results].map((r) => r.queueId)).size).toBe(1);

    const spread = new Set<number>();
    for (let k = 0; k < 20; k++) {
      const { results } = await post<{ results: Result[] }>("/orders/messages", {
        messages: [{ body: k, key: `spread-${k}` }],
      });
      spread.add(results[0]!.queueId);
    }
    expect(spread.size).toBeGreaterThan(1);
  });

  it("carries tags, headers and bytes, and answers duplicate for a repeated (producerId, seq)", async () => {
    const request = {
      producerId: "p-fields",
      messages: [
        { seq: 1, body: { a: 1 }, key: "f", tags: ["t1"], headers: { h: "v" } },
        { seq: 2, body: "AAEC/w==", encoding: "base64", key: "f" },
      ],
    };
    const first = await post<{ results: Result[] }>("/orders/messages", request);
    const again = await post<{ results: Result[] }>("/orders/messages", request);
    expect(again.results.map((r) => r.status)).toEqual(["duplicate", "duplicate"]);
    expect(again.results.map((r) => [r.msgId, r.offset])).toEqual(
      first.results.map((r) => [r.msgId, r.offset]),
    );
    const { queueId, offset } = first.results[0]!;
    const read = await get<{ messages: Array<Msg & { headers: object; encoding?: string }> }>(
      `/orders/queues/${queueId}/messages?from=${offset}&limit=2`,
    );
    expect(read.messages[0]).toMatchObject({ body: { a: 1 }, tags: ["t1"], headers: { h: "v" } });
    expect(read.messages[1]).toMatchObject({ body: "AAEC/w==", encoding: "base64" });
  });
});

describe("read", () => {
  it("pages by offset and filters by tag", async () => {
    const { results } = await post<{ results: Result[] }>("/single/messages", {
      messages: [
        { body: "x", tags: ["red"] },
        { body: "y", tags: ["blue"] },
        { body: "z", tags: ["red"] },
      ],
    });
    const from = results[0]!.offset;
    const page = await get<{
      messages: Msg[];
      nextOffset: number;
      headOffset: number;
      minOffset: number;
    }>(`/single/queues/0/messages?from=${from}&limit=2`);
    expect(page.messages.map((m) => m.body)).toEqual(["x", "y"]);
    expect(page.nextOffset).toBe(from + 2);
    const red = await get<{ messages: Msg[] }>(`/single/queues/0/messages?from=${from}&tags=red`);
    expect(red.messages.map((m) => m.body)).toEqual(["x", "z"]);
  });

  it("long-polls with waitMs until a message arrives", async () => {
    const { headOffset } = await get<{ headOffset: number }>(
      "/single/queues/0/messages?from=0&limit=1",
    );
    // The produce goes out only once the read is parked in the engine, waiting for
    // an append: objects share the tests' isolate, so a spy sees their calls. (The
    // spy only counts: settling a test's promise from inside an object would run
    // the test on in that object's I/O context.)
    // `longPoll` is private: the engine calls it once a read found nothing to answer yet.
    const engine = QueueEngine.prototype as unknown as { longPoll(...args: unknown[]): unknown };
    const parked = vi.spyOn(engine, "longPoll");
    let answered = false;
    const waiting = SELF.fetch(url(`/single/queues/0/messages?from=${headOffset}&waitMs=5000`), {
      headers,
    }).finally(() => {
      answered = true;
    });
    await expect
      .poll(() => parked, { timeout: 4_000, interval: 5, message: "the read to park" })
      .toHaveBeenCalled();
    expect(answered, "the read answered before any message arrived").toBe(false);
    await post("/single/messages", { messages: [{ body: "woke you" }] });
    const res = await waiting;
    expect(((await res.json()) as { messages: Msg[] }).messages.map((m) => m.body)).toEqual([
      "woke you",
    ]);
  });

  it("returns an empty page at the head when the wait ends", async () => {
    const { headOffset } = await get<{ headOffset: number }>(
      "/single/queues/0/messages?from=0&limit=1",
    );
    const page = await get<{ messages: Msg[]; nextOffset: number }>(
      `/single/queues/0/messages?from=${headOffset}&waitMs=50`,
    );
    expect(page).toMatchObject({ messages: [], nextOffset: headOffset });
  });
});

describe("group offsets", () => {
  it("commits, never moves backwards, and resets only when asked", async () => {
    await post("/orders/messages", {
      messages: [
        { body: 1, key: "o" },
        { body: 2, key: "o" },
      ],
    });
    const stats = await get<{ queues: Array<{ headOffset: number }> }>("/orders/stats");
    const q = stats.queues.findIndex((s) => s.headOffset >= 2);
    await post("/orders/groups/offsets-g/offsets", { offsets: { [q]: 2 } });
    await post("/orders/groups/offsets-g/offsets", { offsets: { [q]: 1 } });
    expect(
      (await get<{ offsets: Record<string, number> }>("/orders/groups/offsets-g/offsets")).offsets[
        q
      ],
    ).toBe(2);
    await post("/orders/groups/offsets-g/offsets", { offsets: { [q]: 1 }, reset: true });
    expect(
      (await get<{ offsets: Record<string, number> }>("/orders/groups/offsets-g/offsets")).offsets[
        q
      ],
    ).toBe(1);
  });
});

describe("lease mode", () => {
  it("receives across the topic's queues, extends, acks and sends back", async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `lease-${i}`);
    await post("/orders/messages", { messages: keys.map((key) => ({ body: key, key })) });
    const group = "lease-all";
    const seen: Array<Msg & { receipt: string }> = [];
    for (let i = 0; i < 20 && seen.length < keys.length; i++)
      seen.push(
        ...(
          await post<{ messages: Array<Msg & { receipt: string }> }>(
            `/orders/groups/${group}/receive`,
            {
              max: 5,
            },
          )
        ).messages.filter((m) => typeof m.body === "string" && m.body.startsWith("lease-")),
      );
    expect(new Set(seen.map((m) => m.body))).toEqual(new Set(keys));
    expect(new Set(seen.map((m) => m.queueId)).size).toBeGreaterThan(1);

    const receipts = seen.map((m) => m.receipt);
    expect(
      await post(`/orders/groups/${group}/extend`, { receipts, visibilityMs: 60_000 }),
    ).toEqual({
      extended: receipts.length,
    });
    const stats = await get<{ groups: Record<string, { inFlight: number }> }>("/orders/stats");
    expect(stats.groups[group]?.inFlight).toBeGreaterThanOrEqual(keys.length);
    expect(await post(`/orders/groups/${group}/ack`, { receipts })).toEqual({
      acked: receipts.length,
    });

    const [one] = seen;
    expect(
      await post(`/orders/groups/pull-g/retry`, {
        queueId: one!.queueId,
        offset: one!.offset,
        delayMs: 0,
      }),
    ).toEqual({ ok: true });
    const retried = await post<{ messages: Msg[] }>(`/orders/groups/pull-g/receive`, {
      max: 10,
      retriesOnly: true,
    });
    expect(retried.messages.map((m) => m.msgId)).toContain(one!.msgId);
  });
});

describe("query and stats", () => {
  it("finds a message by msgId and by key", async () => {
    const { results } = await post<{ results: Result[] }>("/orders/messages", {
      messages: [
        { body: "q1", key: "query-key" },
        { body: "q2", key: "query-key" },
      ],
    });
    const byId = await get<Msg>(`/orders/messages/${encodeURIComponent(results[1]!.msgId)}`);
    expect(byId).toMatchObject({ body: "q2", key: "query-key", offset: results[1]!.offset });
    const byKey = await get<{ messages: Msg[] }>("/orders/messages?key=query-key&limit=10");
    expect(byKey.messages.map((m) => m.body)).toEqual(["q1", "q2"]);
  });

  it("reports per-queue offsets and per-group lag", async () => {
    const before = await get<{ queues: Array<{ headOffset: number }> }>("/single/stats");
    await post("/single/messages", { messages: [{ body: "s" }] });
    await post("/single/groups/stats-g/receive", { max: 1 });
    const after = await get<{
      queues: Array<{ queueId: number; minOffset: number; headOffset: number }>;
      groups: Record<
        string,
        { lag: number; inFlight: number; committedOffsets: Record<string, number> }
      >;
    }>("/single/stats");
    expect(after.queues[0]!.headOffset).toBe(before.queues[0]!.headOffset + 1);
    expect(after.groups["stats-g"]).toMatchObject({ inFlight: 1 });
  });
});

describe("CORS", () => {
  it("answers a browser preflight for a cross-origin produce", async () => {
    const res = await SELF.fetch(url("/orders/messages"), {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toBeTruthy();
    expect(res.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toMatch(/authorization/);
  });

  it("lets the page read Retry-After and the error body", async () => {
    const res = await SELF.fetch(url("/orders/stats"), {
      headers: { origin: "https://app.example" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBeTruthy();
    expect(res.headers.get("access-control-expose-headers")?.toLowerCase()).toMatch(/retry-after/);
  });
});
