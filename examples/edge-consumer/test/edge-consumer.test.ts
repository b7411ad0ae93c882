import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { brokerWorker, bundleWorker } from "../../../packages/worker/test-node/local-broker.js";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TOKEN = "consumer-test-token";
let mf: Miniflare;

/** Each Worker bundled as wrangler would (ESM, workerd conditions). */
beforeAll(async () => {
  const [edgeq, consumer] = await Promise.all([
    brokerWorker({
      tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
      topics: { orders: { queueCount: 2 } },
    }),
    bundleWorker(here("../src/index.ts")),
  ]);
  mf = new Miniflare({
    workers: [
      {
        name: "consumer",
        modules: true,
        scriptPath: consumer.scriptPath,
        modulesRoot: consumer.dir,
        compatibilityDate: "2026-04-01",
        serviceBindings: { EDGEQ: { name: "edgeq", entrypoint: "EdgeqRpc" } },
        bindings: { EDGEQ_TOPIC: "orders", EDGEQ_GROUP: "edge-consumer" },
      },
      edgeq,
    ],
  });
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
});

async function brokerCall(method: string, path: string, body?: unknown): Promise<unknown> {
  const edgeq = await mf.getWorker("edgeq");
  const res = await edgeq.fetch(`http://edgeq${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return res.json();
}

it("drains the topic over RPC, acks what it handled and sends the rest to retry", async () => {
  await brokerCall("POST", "/v1/topics/orders/messages", {
    messages: [...Array.from({ length: 30 }, (_, i) => ({ body: { n: i } })), { body: "poison" }],
  });
  const report = (await (
    await mf.dispatchFetch("http://consumer/drain", { method: "POST" })
  ).json()) as {
    acked: number;
    nacked: number;
  };
  expect(report).toEqual({ acked: 30, nacked: 1 });
  const stats = (await brokerCall("GET", "/v1/topics/orders/stats")) as {
    groups: Record<string, { inFlight: number; retrying: number }>;
  };
  expect(stats.groups["edge-consumer"]).toMatchObject({ inFlight: 0, retrying: 1 });
  // Nothing left to lease now: the poison message waits for its retry time.
  const again = (await (
    await mf.dispatchFetch("http://consumer/drain", { method: "POST" })
  ).json()) as {
    acked: number;
  };
  expect(again.acked).toBe(0);
});
