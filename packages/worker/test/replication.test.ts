import { SELF } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { type EdgeqError, isEdgeqError } from "@edgeq/core";
import { describe, expect, it } from "vitest";
import { parseTopicSettings } from "../src/broker/topic-settings.js";
import type { EdgeqRpc } from "../src/rpc/entrypoint.js";
import { fetchJson, get, headers, post, url } from "./api.js";

interface Results {
  results: Array<{ status: string; seq: number; offset: number }>;
}
interface QueueStatsBody {
  queues: Array<{
    queueId: number;
    headOffset: number;
    replication?: {
      primary: string;
      term: number;
      replicas: Array<{ replica: string; state: string; lagBatches: number }>;
      lastPromotion?: { replica: string; term: number };
    };
  }>;
}
interface ReplicaReadBody {
  messages: Array<{ seq: number; producerId: string }>;
  headOffset: number;
  replica: { name: string; batch: number };
}

const send = (topic: string, producerId: string, seqs: number[]) =>
  post<Results>(`/${topic}/messages`, {
    producerId,
    messages: seqs.map((seq) => ({ seq, body: { seq } })),
  });

async function replication(topic: string) {
  const stats = await get<QueueStatsBody>(`/${topic}/stats`);
  return stats.queues[0]!.replication!;
}

describe("topic setting replication", () => {
  const config = (replication: unknown, durability = "sync") =>
    parseTopicSettings({ replication, durability });
  const field = (replication: unknown, durability = "sync") => {
    try {
      config(replication, durability);
    } catch (error) {
      expect(isEdgeqError(error, "invalid_request")).toBe(true);
      return (error as EdgeqError).details?.field;
    }
    throw new Error("accepted");
  };

  it("fills defaults and refuses what it cannot honour, naming the field", () => {
    expect(config({ replicas: 2 }).replication).toEqual({
      replicas: 2,
      mode: "sync",
      acks: 1,
      locationHints: [],
    });
    expect(
      [
        { replicas: 0 },
        { replicas: 6 },
        { replicas: 2, acks: 3 },
        { replicas: 1, mode: "eventual" },
        { replicas: 1, locationHints: ["mars"] },
        { replicas: 1, extra: true },
        "two",
      ].map((bad) => field(bad)),
    ).toEqual([
      "replication.replicas",
      "replication.replicas",
      "replication.acks",
      "replication.mode",
      "replication.locationHints",
      "replication.extra",
      "replication",
    ]);
    expect(field({ replicas: 1 }, "async")).toBe("replication");
    expect(() => config({ replicas: 1 }, "async")).toThrow(/durability sync/);
  });
});

describe("a replicated queue", () => {
  it("answers sync writes with both replicas in sync, and a replica serves reads by offset", async () => {
    const sent = await send("repl-sync", "p1", [1, 2, 3]);
    expect(sent.results.map((r) => r.status)).toEqual(["stored", "stored", "stored"]);
    const repl = await replication("repl-sync");
    expect(repl.primary).toBe("origin");
    expect(repl.replicas.map((r) => [r.replica, r.state, r.lagBatches])).toEqual([
      ["r0", "in_sync", 0],
      ["r1", "in_sync", 0],
    ]);
    const read = await get<ReplicaReadBody>("/repl-sync/queues/0/messages?from=0&replica=any");
    expect(read.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(read.headOffset).toBe(3);
    expect(["r0", "r1"]).toContain(read.replica.name);
    expect(read.replica.batch).toBeGreaterThan(0);
    const bad = await fetchJson<{ error: { code: string } }>(
      "/repl-sync/queues/0/messages?from=0&replica=far",
    );
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
    const unreplicated = await fetchJson<{ error: { code: string } }>(
      "/orders/queues/0/messages?from=0&replica=any",
    );
    expect(unreplicated.status).toBe(400);
  });

  it("async: answers at once and its replica converges", async () => {
    await send("repl-async", "pa", [1, 2]);
    const deadline = Date.now() + 10_000;
    let repl = await replication("repl-async");
    while (repl.replicas[0]!.lagBatches > 0 && Date.now() < deadline)
      repl = await replication("repl-async");
    expect(repl.replicas[0]).toMatchObject({ replica: "r0", state: "in_sync", lagBatches: 0 });
    const read = await get<ReplicaReadBody>("/repl-async/queues/0/messages?from=0&replica=nearest");
    expect(read.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it("promote moves the primary to a replica: writes follow it, retries answer duplicate, the old one is fenced", async () => {
    await send("repl-promote", "pp", [1, 2]);
    const promoted = await post<{ primary: string; term: number; seq: number }>(
      "/repl-promote/queues/0/promote",
      { replica: 1 },
    );
    expect(promoted).toMatchObject({ primary: "r1", term: 2 });
    const retry = await send("repl-promote", "pp", [2, 3]);
    expect(retry.results.map((r) => r.status)).toEqual(["duplicate", "stored"]);
    const repl = await replication("repl-promote");
    expect(repl).toMatchObject({
      primary: "r1",
      term: 2,
      lastPromotion: { replica: "r1", term: 2 },
    });
    expect(repl.replicas.map((r) => r.replica)).toEqual(["origin", "r0"]);
    const read = await get<{ messages: Array<{ seq: number }> }>(
      "/repl-promote/queues/0/messages?from=0",
    );
    expect(read.messages.map((m) => m.seq)).toEqual([1, 2, 3]);

    // The old primary, called directly, points at the new one and stores nothing.
    const origin = env.QUEUE.get(env.QUEUE.idFromName("repl-promote/0"));
    const refused = await origin.append({ topic: "repl-promote", queueId: 0 }, {
      producerId: "pp",
      messages: [{ seq: 9, body: "x", tags: [], headers: {} }],
    } as never);
    expect(refused).toMatchObject({
      ok: false,
      error: { code: "conflict", details: { primary: "r1", term: 2 } },
    });
  });

  it("refuses a bad promote with 400 and no right with 403", async () => {
    const bad = await SELF.fetch(url("/repl-promote/queues/0/promote"), {
      method: "POST",
      headers,
      body: JSON.stringify({ replica: 7 }),
    });
    expect(bad.status).toBe(400);
    const none = await SELF.fetch(url("/orders/queues/0/promote"), {
      method: "POST",
      headers,
      body: JSON.stringify({ replica: 0 }),
    });
    expect(none.status).toBe(400);
    const consumer = await SELF.fetch(url("/repl-promote/queues/0/promote"), {
      method: "POST",
      headers: { ...headers, authorization: "Bearer consumer-token" },
      body: JSON.stringify({ replica: 0 }),
    });
    expect(consumer.status).toBe(403);
  });
});

describe("replication over RPC", () => {
  it("EdgeqRpc reads from a named replica and promotes like HTTP", async () => {
    const rpc = (exports as unknown as { EdgeqRpc: EdgeqRpc }).EdgeqRpc;
    await send("repl-rpc", "pr", [1, 2]);
    const read = await rpc.readReplica("repl-rpc", 0, 1, { from: 0 });
    expect(read).toMatchObject({ ok: true, value: { replica: { name: "r1" }, headOffset: 2 } });
    expect(await rpc.readReplica("repl-rpc", 0, 2, { from: 0 })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
    expect(await rpc.promote("repl-rpc", 0, 0)).toMatchObject({
      ok: true,
      value: { primary: "r0", term: 2 },
    });
    expect(await rpc.promote("repl-rpc", 0, 5)).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
    const again = await send("repl-rpc", "pr", [2, 3]);
    expect(again.results.map((r) => r.status)).toEqual(["duplicate", "stored"]);
  });
});

describe("a replicated topic at runtime", () => {
  const put = (settings: unknown) =>
    SELF.fetch(url("/rt-repl"), { method: "PUT", headers, body: JSON.stringify(settings) });
  const setting = { replicas: 1, mode: "sync", acks: 1 };

  it("is created by PUT, keeps its replication, and DELETE wipes its replicas too", async () => {
    expect((await put({ queueCount: 1, replication: setting })).status).toBe(201);
    await send("rt-repl", "rt", [1, 2]);
    const before = await get<ReplicaReadBody>("/rt-repl/queues/0/messages?from=0&replica=0");
    expect(before.messages.map((m) => m.seq)).toEqual([1, 2]);

    const changed = await put({ queueCount: 1, replication: { ...setting, replicas: 2 } });
    expect(changed.status).toBe(409);
    expect(await changed.json()).toMatchObject({
      error: { code: "conflict", setting: "replication" },
    });
    const dropped = await put({ queueCount: 1 });
    expect(dropped.status).toBe(409);
    const invalid = await put({ queueCount: 1, replication: { replicas: 1, acks: 2 } });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: { code: "invalid_request", field: "replication.acks" },
    });

    const deleted = await SELF.fetch(url("/rt-repl"), { method: "DELETE", headers });
    expect(deleted.status).toBe(204);
    expect((await put({ queueCount: 1, replication: setting })).status).toBe(201);
    const after = await get<ReplicaReadBody>("/rt-repl/queues/0/messages?from=0&replica=0");
    expect(after).toMatchObject({ messages: [], headOffset: 0 });
    const again = await send("rt-repl", "rt", [1]);
    expect(again.results.map((r) => r.status)).toEqual(["stored"]);
  });
});
