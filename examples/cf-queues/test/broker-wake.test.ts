import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appWithBroker } from "./app-and-broker.js";

// The same consumer Worker, but nothing of it ever sends or starts anything: the
// broker's topic names its consumer object (`consumerObjects`), and a produce from
// anyone (here plain HTTP) starts it, as Cloudflare starts a queue() consumer.
const TOKEN = "broker-wake-token";
let mf: Miniflare;

beforeAll(async () => {
  mf = await appWithBroker({
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume"] }] },
    topics: { jobs: { queueCount: 2, consumerObjects: ["JOBS_CONSUMER"] } },
    durableObjects: {
      JOBS_CONSUMER: { className: "JobsConsumer", scriptName: "app", useSQLite: true },
    },
  });
});

afterAll(async () => {
  await mf?.dispose();
});

it("a produce to a topic with consumerObjects starts its consumer: the queue() handler runs with no start call", async () => {
  const broker = await mf.getWorker("edgeq");
  const res = await broker.fetch("http://edgeq/v1/topics/jobs/messages", {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      messages: [{ body: { id: 1, kind: "ok" } }, { body: { id: 2, kind: "ok" } }],
    }),
  });
  expect(res.status).toBe(200);
  const kv = await mf.getKVNamespace("RESULTS", "app");
  await expect
    .poll(async () => [await kv.get("done:1"), await kv.get("done:2")], {
      timeout: 20_000,
      interval: 200,
    })
    .toEqual(["1", "1"]);
});
