import { runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { queueObjectName } from "../src/shared/queue-ref.js";
import { fetchJson, get, headers, post, url } from "./api.js";
import { useVirtualTime } from "./virtual-time.js";

type Result = { status: string; seq: number; txId?: string; offset?: number; queueId: number };
type Tx = { txId: string; state: string; checks: number; messages: Array<{ body: unknown }> };

const half = (topic: string, producerId: string, messages: unknown[]) =>
  post<{ results: Result[]; txId: string }>(`/${topic}/messages`, {
    producerId,
    transactional: true,
    messages: messages.map((body, i) => ({ seq: i + 1, body, key: `k${i}` })),
  });

async function visibleBodies(topic: string): Promise<unknown[]> {
  const stats = await get<{ queues: Array<{ queueId: number }> }>(`/${topic}/stats`);
  const out: unknown[] = [];
  for (const { queueId } of stats.queues)
    out.push(
      ...(
        await get<{ messages: Array<{ body: unknown }> }>(
          `/${topic}/queues/${queueId}/messages?from=0&limit=1000`,
        )
      ).messages.map((m) => m.body),
    );
  return out;
}

useVirtualTime();

/** The topics' transactionCheckIntervalMs (vitest.config.mts). */
const CHECK_INTERVAL_MS = 100;

/** Moves the clock one check interval on and runs every queue's alarm: one round of check-backs. */
async function passChecks(topic: string, queueCount: number): Promise<void> {
  vi.setSystemTime(Date.now() + CHECK_INTERVAL_MS);
  for (let queueId = 0; queueId < queueCount; queueId++) {
    const stub = env.QUEUE.get(env.QUEUE.idFromName(queueObjectName({ topic, queueId })));
    await runInDurableObject(stub, () => undefined);
    await runDurableObjectAlarm(stub);
  }
}

describe("transactions over HTTP", () => {
  it("keeps half messages invisible, then commits them; decisions are idempotent", async () => {
    const sent = await half("txq", "tx-http-1", ["a", "b", "c"]);
    expect(sent.txId).toBeTruthy();
    expect(sent.results.every((r) => r.status === "stored" && r.txId === sent.txId)).toBe(true);
    expect(await visibleBodies("txq")).not.toContain("a");
    const pending = await get<{ transactions: Tx[] }>("/txq/transactions?producerId=tx-http-1");
    expect(pending.transactions.map((t) => [t.txId, t.state, t.messages.length])).toEqual([
      [sent.txId, "pending", 3],
    ]);
    const stats = await get<{ queues: Array<{ pendingTransactions: number }> }>("/txq/stats");
    expect(stats.queues.reduce((n, q) => n + q.pendingTransactions, 0)).toBeGreaterThanOrEqual(1);

    const commit = await post<Tx & { results: Result[] }>(`/txq/transactions/${sent.txId}`, {
      action: "commit",
    });
    expect(commit.state).toBe("committed");
    expect(commit.results).toHaveLength(3);
    expect(await visibleBodies("txq")).toEqual(expect.arrayContaining(["a", "b", "c"]));
    expect((await post<Tx>(`/txq/transactions/${sent.txId}`, { action: "commit" })).state).toBe(
      "committed",
    );
    // A retried half send is recognised, and says where its message went.
    const again = await half("txq", "tx-http-1", ["a", "b", "c"]);
    expect(again.txId).toBe(sent.txId);
    expect(again.results.map((r) => r.status)).toEqual(["duplicate", "duplicate", "duplicate"]);
  });

  it("rolls back, and refuses bad decisions with the protocol's codes, changing nothing", async () => {
    const sent = await half("txq", "tx-http-2", ["gone"]);
    expect(await post<Tx>(`/txq/transactions/${sent.txId}`, { action: "rollback" })).toMatchObject({
      state: "rolled_back",
    });
    const before = await visibleBodies("txq");
    const cases: Array<[string, unknown, number, string, string?]> = [
      [`/txq/transactions/${sent.txId}`, { action: "commit" }, 409, "conflict"],
      [`/txq/transactions/${sent.txId}`, { action: "maybe" }, 400, "invalid_request"],
      ["/txq/transactions/nothing-1.0", { action: "commit" }, 404, "not_found"],
      ["/txq/transactions/bad-1.9", { action: "commit" }, 404, "not_found"],
      ["/txq/transactions/bad%20id", { action: "commit" }, 400, "invalid_request"],
      [`/txq/transactions/${sent.txId}`, { action: "commit" }, 403, "forbidden", "consumer-token"],
    ];
    for (const [path, body, status, code, token] of cases) {
      const res = await SELF.fetch(url(path), {
        method: "POST",
        headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      expect([path, res.status]).toEqual([path, status]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    for (const [body, code] of [
      [{ transactional: true, messages: [{ body: 1 }] }, "invalid_request"],
      [
        { transactional: "yes", producerId: "p", messages: [{ seq: 1, body: 1 }] },
        "invalid_request",
      ],
    ] as const) {
      const res = await SELF.fetch(url("/txq/messages"), {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    const bad = await fetchJson<{ error: { code: string } }>("/txq/transactions?state=weird");
    expect([bad.status, bad.body.error.code]).toEqual([400, "invalid_request"]);
    expect(await visibleBodies("txq")).toEqual(before);
  });

  it("lists checked-back transactions for polling producers, then rolls back after the last check", async () => {
    const sent = await half("txq", "tx-http-3", ["undecided"]);
    const asked = () =>
      get<{ transactions: Tx[] }>("/txq/transactions?producerId=tx-http-3&state=unknown").then(
        (r) => r.transactions,
      );
    expect(await asked()).toEqual([]);
    await passChecks("txq", 2);
    expect((await asked()).map((t) => [t.txId, t.checks])).toEqual([[sent.txId, 1]]);
    await passChecks("txq", 2);
    await passChecks("txq", 2);
    // Two checks went unanswered: the broker rolled it back.
    expect(await asked()).toEqual([]);
    const late = await SELF.fetch(url(`/txq/transactions/${sent.txId}`), {
      method: "POST",
      headers,
      body: JSON.stringify({ action: "commit" }),
    });
    expect(late.status).toBe(409);
    expect(await visibleBodies("txq")).not.toContain("undecided");
  });
});

describe("check-back over RPC", () => {
  it("asks the producer Worker's binding and applies each answer", async () => {
    const yes = await half("txrpc", "tx-rpc", [{ decision: "commit", n: 1 }]);
    const no = await post<{ txId: string }>("/txrpc/messages", {
      producerId: "tx-rpc",
      transactional: true,
      messages: [{ seq: 10, body: { decision: "rollback", n: 2 } }],
    });
    const later = await post<{ txId: string }>("/txrpc/messages", {
      producerId: "tx-rpc",
      transactional: true,
      messages: [{ seq: 20, body: { decision: "unknown", n: 3 } }],
    });
    await passChecks("txrpc", 1);
    const bodies = await visibleBodies("txrpc");
    expect(bodies).toEqual([{ decision: "commit", n: 1 }]);
    const left = await get<{ transactions: Tx[] }>("/txrpc/transactions");
    expect(left.transactions.map((t) => t.txId)).toEqual([later.txId]);
    expect([yes.txId, no.txId]).not.toContain(later.txId);
  });
});
