import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { brokerWorker, bundleWorker } from "../../../packages/worker/test-node/local-broker.js";

// The same consumer Worker, but nothing of it ever sends or starts anything: the
// broker's topic names its consumer object (`consumerObjects`), and a produce from
// anyone (here plain HTTP) starts it, as Cloudflare starts a queue() consumer.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TOKEN = "broker-wake-token";
let mf: Miniflare;

beforeAll(async () => {
  const [edgeq, app] = await Promise.all([
    brokerWorker({
      tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume"] }] },
      topics: { jobs: { queueCount: 2, consumerObjects: ["JOBS_CONSUMER"] } },
      durableObjects: {
        JOBS_CONSUMER: { className: "JobsConsumer", scriptName: "app", useSQLite: true },
      },
    }),
    bundleWorker(here("../src/edgeq.ts")),
  ]);
  mf = new Miniflare({
    workers: [
      {
        name: "app",
        modules: true,
        scriptPath: app.scriptPath,
        modulesRoot: app.dir,
        compatibilityDate: "2026-04-01",
        serviceBindings: { EDGEQ: { name: "edgeq", entrypoint: "EdgeqRpc" } },
        kvNamespaces: ["RESULTS"],
        durableObjects: { CONSUMER: { className: "JobsConsumer", useSQLite: true } },
      },
      edgeq,
    ],
  });
  await mf.ready;
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
  await vi.waitFor(
    async () => expect([await kv.get("done:1"), await kv.get("done:2")]).toEqual(["1", "1"]),
    { timeout: 20_000, interval: 200 },
  );
});
