import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const wrangler = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");

it("builds for deployment with wrangler deploy --dry-run: one bundle exporting the Worker, every Durable Object class and EdgeqRpc", async () => {
  const outdir = await mkdtemp(join(tmpdir(), "edgeq-deploy-"));
  try {
    // As a user runs it: @edgeq/worker from its published entry (dist), no workspace condition.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [wrangler, "deploy", "--dry-run", "--outdir", outdir],
      { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } },
    );
    expect(stdout).toContain("env.QUEUE (QueueDO)");
    expect(stdout).toContain("env.STREAMS (StreamDO)");
    expect(stdout).toContain("env.RATE_LIMITER (RateLimiterDO)");
    expect(stdout).toContain("env.TOPIC_REGISTRY (TopicRegistryDO)");
    expect(stdout).toContain("env.REPLICA (ReplicaDO)");
    expect(stdout).toContain("--dry-run: exiting now.");
    const files = await readdir(outdir);
    expect(files).toContain("index.js");
    const bundle = await readFile(join(outdir, "index.js"), "utf8");
    // The module's exports, as wrangler wrote them last.
    const exports = bundle.slice(bundle.lastIndexOf("export {"));
    for (const name of [
      "QueueDO",
      "RateLimiterDO",
      "ReplicaDO",
      "StreamDO",
      "TopicRegistryDO",
      "EdgeqRpc",
      "as default",
    ])
      expect(exports).toContain(name);
    // Bundled from the package's dist, never from the workspace's TypeScript source.
    expect(bundle).not.toContain("packages/worker/src/");
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
});
