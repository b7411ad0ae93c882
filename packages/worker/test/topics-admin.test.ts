import { env, SELF } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { normalizeAppend, resolveTopicConfig } from "@edgeq/core/engine";
import { describe, expect, it } from "vitest";
import type { EdgeqRpc } from "../src/rpc/entrypoint.js";

const BASE = "https://edgeq.test/v1/topics";
const ADMIN = "Bearer admin-token";

function call(path: string, method: string, body?: unknown, authorization: string | null = ADMIN) {
  return SELF.fetch(`${BASE}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      ...(authorization === null ? {} : { authorization }),
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

async function json<T>(res: Response, status: number): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

interface Topic {
  topic: string;
  settings: Record<string, unknown> & { queueCount: number };
}
interface ErrorBody {
  error: { code: string; message: string; field?: string; setting?: string };
}

const produce = (topic: string, n = 1) =>
  call(`/${topic}/messages`, "POST", {
    messages: Array.from({ length: n }, (_, i) => ({ body: i, key: `k${i}` })),
  });

describe("topics at runtime", () => {
  it("create → produce → update → unsafe updates refused → delete wipes every queue → create again starts empty", async () => {
    const created = await json<Topic>(
      await call("/rt-orders", "PUT", { queueCount: 2, maxReconsumeTimes: 3 }),
      201,
    );
    expect(created.settings).toMatchObject({
      queueCount: 2,
      maxReconsumeTimes: 3,
      durability: "sync",
    });
    expect(
      (await json<{ results: unknown[] }>(await produce("rt-orders", 6), 200)).results,
    ).toHaveLength(6);

    const updated = await json<Topic>(
      await call("/rt-orders", "PUT", { queueCount: 3, maxReconsumeTimes: 5 }),
      200,
    );
    expect(updated.settings).toMatchObject({ queueCount: 3, maxReconsumeTimes: 5 });
    expect((await json<Topic>(await call("/rt-orders", "GET"), 200)).settings.queueCount).toBe(3);
    const stats = await json<{ queues: unknown[] }>(await call("/rt-orders/stats", "GET"), 200);
    expect(stats.queues).toHaveLength(3);

    for (const [settings, setting] of [
      [{ queueCount: 2 }, "queueCount"],
      [{ queueCount: 3, durability: "async" }, "durability"],
    ] as const) {
      const refused = await json<ErrorBody>(await call("/rt-orders", "PUT", settings), 409);
      expect(refused.error).toMatchObject({ code: "conflict", setting });
    }
    expect((await json<Topic>(await call("/rt-orders", "GET"), 200)).settings).toMatchObject({
      queueCount: 3,
      maxReconsumeTimes: 5,
    });

    const listed = await json<{ topics: Topic[] }>(await call("", "GET"), 200);
    expect(listed.topics.map((t) => t.topic)).toContain("rt-orders");
    expect(listed.topics.map((t) => t.topic)).toContain("orders");

    const deleted = await call("/rt-orders", "DELETE");
    expect(deleted.status).toBe(204);
    expect((await json<ErrorBody>(await produce("rt-orders"), 404)).error.code).toBe("not_found");
    expect((await json<ErrorBody>(await call("/rt-orders", "GET"), 404)).error.code).toBe(
      "not_found",
    );
    // Deleting again wipes again (a retry after a failure), and answers the same.
    expect((await call("/rt-orders", "DELETE")).status).toBe(204);

    await json<Topic>(await call("/rt-orders", "PUT", { queueCount: 3 }), 201);
    const fresh = await json<{ queues: Array<{ headOffset: number; bytes: number }> }>(
      await call("/rt-orders/stats", "GET"),
      200,
    );
    expect(fresh.queues.map((q) => q.headOffset)).toEqual([0, 0, 0]);
    expect(fresh.queues.map((q) => q.bytes)).toEqual([0, 0, 0]);
    const byKey = await json<{ messages: unknown[] }>(
      await call("/rt-orders/messages?key=k1", "GET"),
      200,
    );
    expect(byKey.messages).toEqual([]);
  });

  it("a never-known topic is 404 on DELETE; seeded topics are listed with their settings", async () => {
    expect((await json<ErrorBody>(await call("/never-was", "DELETE"), 404)).error.code).toBe(
      "not_found",
    );
    const single = await json<Topic>(await call("/single", "GET"), 200);
    expect(single.settings).toMatchObject({ queueCount: 1, maxReconsumeTimes: 2 });
  });

  it("needs admin on the topic; the list shows only topics the token administers", async () => {
    expect((await json<ErrorBody>(await call("/rt-x", "PUT", {}, null), 401)).error.code).toBe(
      "unauthorized",
    );
    expect(
      (await json<ErrorBody>(await call("/rt-x", "PUT", {}, "Bearer producer-token"), 403)).error
        .code,
    ).toBe("forbidden");
    expect(
      (
        await json<ErrorBody>(
          await call("/orders", "DELETE", undefined, "Bearer producer-token"),
          403,
        )
      ).error.code,
    ).toBe("forbidden");
    // A token without admin sees the topics it may use, not their settings.
    const listed = await json<{ topics: Array<Partial<Topic> & { rights: string[] }> }>(
      await call("", "GET", undefined, "Bearer consumer-token"),
      200,
    );
    expect(listed.topics.find((t) => t.topic === "orders")).toEqual({
      topic: "orders",
      queueCount: 4,
      rights: ["consume"],
    });
    expect(listed.topics.every((t) => t.settings === undefined)).toBe(true);
    expect(
      (await json<ErrorBody>(await call("/orders", "GET", undefined, "Bearer producer-token"), 403))
        .error.code,
    ).toBe("forbidden");
  });
});

const badBodies: Array<[string, unknown, string | undefined]> = [
  ["malformed JSON", "{", undefined],
  ["a list", [], undefined],
  ["an unknown setting", { queueCont: 2 }, "queueCont"],
  ["no queues", { queueCount: 0 }, "queueCount"],
  ["too many queues", { queueCount: 2000 }, "queueCount"],
  ["fractional queues", { queueCount: 1.5 }, "queueCount"],
  ["a negative retention", { retentionMs: -1 }, "retentionMs"],
  ["an empty retry schedule", { retrySchedule: [] }, "retrySchedule"],
  ["a negative retry delay", { retrySchedule: [1000, -1] }, "retrySchedule"],
  ["a count as text", { maxReconsumeTimes: "3" }, "maxReconsumeTimes"],
  ["a lease over 2^31 ms", { defaultVisibilityMs: 1e12 }, "defaultVisibilityMs"],
  ["no producer window", { producerWindow: 0 }, "producerWindow"],
  ["a zero batch", { maxBatchMessages: 0 }, "maxBatchMessages"],
  ["an unknown durability", { durability: "fast" }, "durability"],
  ["a checker that is not a name", { transactionChecker: 5 }, "transactionChecker"],
  ["a rate limit that is not an object", { rateLimit: 3 }, "rateLimit"],
  [
    "a zero produce rate",
    { rateLimit: { produce: { messagesPerSecond: 0 } } },
    "rateLimit.produce.messagesPerSecond",
  ],
  [
    "a fractional burst",
    { rateLimit: { produce: { messagesPerSecond: 1, burst: 1.5 } } },
    "rateLimit.produce.burst",
  ],
  [
    "a consume limit in messages",
    { rateLimit: { consume: { messagesPerSecond: 1 } } },
    "rateLimit.consume.messagesPerSecond",
  ],
  ["an unknown limit", { rateLimit: { admin: {} } }, "rateLimit.admin"],
];

it("a writer with a stale copy of the registry cannot bring a deleted topic's queue back", async () => {
  await json<Topic>(await call("/rt-stale", "PUT", { queueCount: 1 }), 201);
  expect((await call("/rt-stale", "DELETE")).status).toBe(204);
  // What an isolate that still lists the topic would send: straight to the queue's object.
  const stub = env.QUEUE.get(env.QUEUE.idFromName("rt-stale/0"));
  const batch = normalizeAppend({ messages: [{ body: "late" }] }, resolveTopicConfig(), Date.now());
  const outcome = await stub.append({ topic: "rt-stale", queueId: 0 }, batch);
  expect(outcome).toMatchObject({ ok: false, error: { code: "not_found" } });
  await json<Topic>(await call("/rt-stale", "PUT", { queueCount: 1 }), 201);
  const stats = await json<{ queues: Array<{ headOffset: number }> }>(
    await call("/rt-stale/stats", "GET"),
    200,
  );
  expect(stats.queues[0]!.headOffset).toBe(0);
});

describe("bad settings bodies: 400 naming the field, nothing created or changed", () => {
  it.each(badBodies)("%s", async (_name, body, field) => {
    const before = await json<Topic>(await call("/single", "GET"), 200);
    for (const path of ["/rt-bad", "/single"]) {
      const refused = await json<ErrorBody>(await call(path, "PUT", body), 400);
      expect(refused.error.code).toBe("invalid_request");
      expect(refused.error.field).toBe(field);
    }
    expect((await call("/rt-bad", "GET")).status).toBe(404);
    expect(await json<Topic>(await call("/single", "GET"), 200)).toEqual(before);
  });

  it("a bad topic name is 400", async () => {
    const res = await call("/bad%20name", "PUT", { queueCount: 1 });
    expect((await json<ErrorBody>(res, 400)).error.code).toBe("invalid_request");
  });
});

describe("EdgeqRpc has the same calls", () => {
  const rpc = (
    exports as unknown as {
      EdgeqRpc: Pick<EdgeqRpc, "putTopic" | "getTopic" | "listTopics" | "deleteTopic" | "send">;
    }
  ).EdgeqRpc;

  it("creates, reads, lists, produces to and deletes a topic", async () => {
    expect(await rpc.putTopic("rt-rpc", { queueCount: 1 })).toMatchObject({
      ok: true,
      value: { created: true },
    });
    expect(await rpc.getTopic("rt-rpc")).toMatchObject({
      ok: true,
      value: { settings: { queueCount: 1 } },
    });
    const listed = await rpc.listTopics();
    expect(listed.ok && listed.value.map((t) => t.topic)).toContain("rt-rpc");
    expect(await rpc.send("rt-rpc", { messages: [{ body: 1 }] })).toMatchObject({ ok: true });
    expect(await rpc.putTopic("rt-rpc", { queueCount: 0 })).toMatchObject({
      ok: false,
      error: { code: "invalid_request", details: { field: "queueCount" } },
    });
    expect(await rpc.deleteTopic("rt-rpc")).toEqual({ ok: true, value: undefined });
    expect(await rpc.send("rt-rpc", { messages: [{ body: 1 }] })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
  });
});
