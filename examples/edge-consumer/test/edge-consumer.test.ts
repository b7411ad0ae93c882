import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TOKEN = "consumer-test-token";
let mf: Miniflare;
let dir: string;

/** Each Worker bundled as wrangler would (ESM, workerd conditions). */
async function bundle(entry: string, name: string): Promise<string> {
  const outfile = join(dir, name, "index.js");
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "warning",
  });
  return outfile;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "edgeq-edge-consumer-"));
  const [broker, consumer] = await Promise.all([
    bundle(here("../../../packages/worker/src/index.ts"), "edgeq"),
    bundle(here("../src/index.ts"), "consumer"),
  ]);
  mf = new Miniflare({
    workers: [
      {
        name: "consumer",
        modules: true,
        scriptPath: consumer,
        modulesRoot: join(dir, "consumer"),
        compatibilityDate: "2026-04-01",
        serviceBindings: { EDGEQ: { name: "edgeq", entrypoint: "EdgeqRpc" } },
        bindings: { EDGEQ_TOPIC: "orders", EDGEQ_GROUP: "edge-consumer" },
      },
      {
        name: "edgeq",
        modules: true,
        scriptPath: broker,
        modulesRoot: join(dir, "edgeq"),
        compatibilityDate: "2026-04-01",
        durableObjects: { QUEUE: { className: "QueueDO", useSQLite: true } },
        bindings: {
          EDGEQ_TOKENS: JSON.stringify({
            [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }],
          }),
          EDGEQ_TOPICS: JSON.stringify({ orders: { queueCount: 2 } }),
        },
      },
    ],
  });
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
  await rm(dir, { recursive: true, force: true });
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
