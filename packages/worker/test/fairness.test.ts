import type { Transport } from "@edgeq/core";
import { describe, expect, it } from "vitest";
import { RpcTransport } from "../src/rpc/rpc-transport.js";
import { get, post } from "./api.js";
import { rpcBinding } from "./worker-fixtures.js";

/**
 * Fairness at the edge (issue 11): the Worker makes a TopicRouter per
 * request, so whatever takes turns over a topic's queues must outlive it.
 * `orders` has 4 queues.
 */

interface Result {
  queueId: number;
}
interface Msg {
  queueId: number;
  receipt: string;
}

function countByQueue(queueIds: number[]): number[] {
  const counts = [0, 0, 0, 0];
  for (const q of queueIds) counts[q]!++;
  return counts;
}

/** A new group that sees only what is sent from now on: its offsets start at every queue's head. */
async function freshGroup(name: string): Promise<string> {
  const group = `${name}-${crypto.randomUUID()}`;
  const stats = await get<{ queues: Array<{ queueId: number; headOffset: number }> }>(
    "/orders/stats",
  );
  await post(`/orders/groups/${group}/offsets`, {
    offsets: Object.fromEntries(stats.queues.map((q) => [String(q.queueId), q.headOffset])),
  });
  return group;
}

describe("anonymous sends", () => {
  it("40 requests of one message each, with no key and no producer, spread over all 4 queues", async () => {
    const queueIds: number[] = [];
    for (let i = 0; i < 40; i++) {
      const { results } = await post<{ results: Result[] }>("/orders/messages", {
        messages: [{ body: { anonymous: i } }],
      });
      queueIds.push(results[0]!.queueId);
    }
    expect(countByQueue(queueIds)).toEqual([10, 10, 10, 10]);
  });
});

describe("lease receive", () => {
  it("over HTTP: four receives of max 6 over four queues of 12 serve all four", async () => {
    const group = await freshGroup("fair-http");
    const { results } = await post<{ results: Result[] }>("/orders/messages", {
      messages: Array.from({ length: 48 }, (_, i) => ({ body: { backlog: i } })),
    });
    expect(countByQueue(results.map((r) => r.queueId))).toEqual([12, 12, 12, 12]);
    const served: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const { messages } = await post<{ messages: Msg[] }>(`/orders/groups/${group}/receive`, {
        max: 6,
      });
      served.push(messages.map((m) => m.queueId));
    }
    expect(served.map((s) => s.length)).toEqual([6, 6, 6, 6]);
    expect(countByQueue(served.flat())).toEqual([6, 6, 6, 6]);
  });

  it("over RPC: four receives of max 6 over four queues of 12 serve all four", async () => {
    const rpc: Transport = new RpcTransport(rpcBinding);
    const group = await freshGroup("fair-rpc");
    const sent = await rpc.send("orders", {
      messages: Array.from({ length: 48 }, (_, i) => ({ body: { backlog: i } })),
    });
    expect(countByQueue(sent.map((r) => r.queueId))).toEqual([12, 12, 12, 12]);
    const served: number[][] = [];
    for (let i = 0; i < 4; i++)
      served.push((await rpc.receive("orders", group, { max: 6 })).map((m) => m.queueId));
    expect(served.map((s) => s.length)).toEqual([6, 6, 6, 6]);
    expect(countByQueue(served.flat())).toEqual([6, 6, 6, 6]);
  });
});
