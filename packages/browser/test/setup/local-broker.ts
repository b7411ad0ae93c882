import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

/** Tokens of the local broker the browser tests talk to. */
export const BROKER_TOKENS = {
  "test-token": [{ topics: "*", rights: ["produce", "consume", "admin"] }],
  "other-token": [{ topics: "*", rights: ["produce", "consume", "admin"] }],
  "read-only-token": [{ topics: "*", rights: ["consume"] }],
};

/** Topics of the local broker: small ones so tests see rejections quickly. */
export const BROKER_TOPICS = {
  outbox: { queueCount: 2 },
  tiny: { queueCount: 1, maxMessageBytes: 2048 },
  inbox: { queueCount: 2 },
  bench: { queueCount: 1 },
};

const workerEntry = fileURLToPath(new URL("../../../worker/src/index.ts", import.meta.url));

/**
 * The real edge broker (`@edgeq/worker`, bundled from source) in a local
 * workerd through Miniflare, serving HTTP on 127.0.0.1: the browser reaches
 * it cross-origin, as a deployed app reaches its Worker.
 */
export async function startLocalBroker(): Promise<{ url: string; stop(): Promise<void> }> {
  const out = await mkdtemp(join(tmpdir(), "edgeq-broker-"));
  const scriptPath = join(out, "worker.js");
  await build({
    entryPoints: [workerEntry],
    outfile: scriptPath,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "warning",
  });
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: out,
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
    durableObjects: { QUEUE: { className: "QueueDO", useSQLite: true } },
    durableObjectsPersist: join(out, "state"),
    bindings: {
      EDGEQ_TOKENS: JSON.stringify(BROKER_TOKENS),
      EDGEQ_TOPICS: JSON.stringify(BROKER_TOPICS),
      EDGEQ_CORS_ORIGINS: "*",
    },
  });
  const url = (await mf.ready).origin;
  return {
    url,
    stop: async () => {
      await mf.dispose();
      await rm(out, { recursive: true, force: true });
    },
  };
}
