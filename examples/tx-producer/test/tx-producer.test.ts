import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { brokerWorker, bundleWorker } from "../../../packages/worker/test-node/local-broker.js";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TOKEN = "tx-example-token";
let mf: Miniflare;

beforeAll(async () => {
  const [edgeq, producer] = await Promise.all([
    brokerWorker({
      tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume"] }] },
      topics: {
        orders: {
          queueCount: 2,
          transactionCheckIntervalMs: 200,
          transactionChecker: "ORDERS_PRODUCER",
        },
      },
      // The broker asks the producer Worker about undecided orders.
      serviceBindings: { ORDERS_PRODUCER: { name: "producer", entrypoint: "OrdersChecker" } },
    }),
    bundleWorker(here("../src/index.ts")),
  ]);
  mf = new Miniflare({
    workers: [
      {
        name: "producer",
        modules: true,
        scriptPath: producer.scriptPath,
        modulesRoot: producer.dir,
        compatibilityDate: "2026-04-01",
        serviceBindings: { EDGEQ: { name: "edgeq", entrypoint: "EdgeqRpc" } },
        durableObjects: { ORDERS: { className: "Orders", useSQLite: true } },
        bindings: { EDGEQ_TOPIC: "orders" },
      },
      edgeq,
    ],
  });
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
});

const placeOrder = async (id: string, crash?: string) =>
  (await (
    await mf.dispatchFetch(`http://producer/orders${crash ? `?crash=${crash}` : ""}`, {
      method: "POST",
      body: JSON.stringify({ id, item: "widget", total: 9.5 }),
    })
  ).json()) as { state: string; txId: string };

async function publishedOrders(): Promise<string[]> {
  const edgeq = await mf.getWorker("edgeq");
  const ids: string[] = [];
  for (const q of [0, 1]) {
    const res = await edgeq.fetch(`http://edgeq/v1/topics/orders/queues/${q}/messages?from=0`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const page = (await res.json()) as { messages: Array<{ body: { order: { id: string } } }> };
    ids.push(...page.messages.map((m) => m.body.order.id));
  }
  return ids.sort();
}

it("publishes an order if and only if it was recorded, even when the producer dies mid-way", async () => {
  expect((await placeOrder("o1")).state).toBe("committed");
  expect(await publishedOrders()).toEqual(["o1"]);

  // Recorded, then the Worker "crashed" before deciding: the check-back finds the order and commits.
  expect((await placeOrder("o2", "after-write")).state).toBe("unknown");
  // Never recorded: the check-back finds nothing and rolls back.
  expect((await placeOrder("o3", "before-write")).state).toBe("unknown");
  expect(await publishedOrders()).toEqual(["o1"]);

  await expect.poll(publishedOrders, { timeout: 10_000, interval: 100 }).toEqual(["o1", "o2"]);
  const edgeq = await mf.getWorker("edgeq");
  await expect
    .poll(
      async () => {
        const res = await edgeq.fetch("http://edgeq/v1/topics/orders/transactions", {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        return ((await res.json()) as { transactions: unknown[] }).transactions.length;
      },
      { timeout: 10_000, interval: 100 },
    )
    .toBe(0);
  expect(await publishedOrders()).toEqual(["o1", "o2"]);
});
