import { execFile } from "node:child_process";
import { cp, lstat, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build as bundle, transform } from "esbuild";
import { Miniflare } from "miniflare";
import { type Browser, chromium } from "playwright";
import { build, type PreviewServer, preview } from "vite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../../../packages/browser/test/setup/chromium.js";
import { npmEnv, PACKAGES, type Packed, packTarballs } from "./scratch.js";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../..", import.meta.url));
const fixture = fileURLToPath(new URL("../fixture", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const TOKEN = "packed-token";

/** Source files whose JSDoc `@example`s must compile against the packages as shipped. */
const DOCUMENTED = {
  page: ["packages/browser/src/outbox/outbox.ts", "packages/browser/src/inbox/inbox.ts"],
  node: ["packages/core/src/client/producer.ts", "packages/core/src/client/push-consumer.ts"],
  worker: ["packages/worker/src/rpc/rpc-transport.ts"],
};

/** The code of every ```ts block under an `@example` tag in a source file. */
function jsdocExamples(source: string): string[] {
  const blocks = source.matchAll(/@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g);
  return [...blocks].map(([, body = ""]) =>
    body
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n"),
  );
}

/** Writes the examples into the scratch app: the page's and the Node ones under src/, the Worker's under worker/. */
async function writeJsdocExamples(): Promise<string[]> {
  const node: string[] = [];
  for (const [kind, files] of Object.entries(DOCUMENTED)) {
    for (const file of files) {
      const examples = jsdocExamples(await readFile(join(repo, file), "utf8"));
      expect(examples.length, `${file} has an @example`).toBeGreaterThan(0);
      for (const [i, code] of examples.entries()) {
        const name = `${basename(file, ".ts")}-${i}.ts`;
        const path = join(app, kind === "worker" ? "worker" : "src", `example-${name}`);
        await writeFile(path, `${code}\nexport {};\n`);
        if (kind === "node") node.push(path);
      }
    }
  }
  return node;
}
let nodeExamples: string[];

let scratch: string;
let app: string;
let packed: Packed[];
let mf: Miniflare | undefined;
let server: PreviewServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "edgeq-packed-"));
  app = join(scratch, "app");
  const tarballs = join(scratch, "tarballs");
  await mkdir(tarballs);
  // The packages as they would be published (their dist is built first: turbo's ^build).
  packed = await packTarballs(tarballs);
  const tarball = (name: string) =>
    `file:${join(tarballs, packed.find((p) => p.name === name)?.filename ?? "")}`;

  // A scratch app in a temporary directory: no workspace above it, nothing linked.
  await cp(fixture, app, { recursive: true });
  const dependencies = Object.fromEntries(PACKAGES.map((name) => [name, tarball(name)]));
  await writeFile(
    join(app, "package.json"),
    JSON.stringify({
      name: "edgeq-scratch-app",
      private: true,
      type: "module",
      dependencies,
      devDependencies: { "@cloudflare/workers-types": "4.20260702.1" },
      // The packages' own dependency on @edgeq/core is the tarball too, never the registry.
      overrides: { "@edgeq/core": "$@edgeq/core" },
    }),
  );
  // From npm's cache where it can (npm ci filled it); the registry only for what is missing.
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], {
    cwd: app,
    env: npmEnv(),
  });
  nodeExamples = await writeJsdocExamples();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await mf?.dispose();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

it("packs only what users need: ESM, declarations with their maps, README, LICENSE", () => {
  expect(packed.map((p) => p.name).sort()).toEqual([...PACKAGES].sort());
  for (const { name, files } of packed) {
    const paths = files.map((f) => f.path);
    for (const needed of [
      "package.json",
      "README.md",
      "LICENSE",
      "dist/index.js",
      "dist/index.js.map",
      "dist/index.d.ts",
      "dist/index.d.ts.map",
    ])
      expect(paths, `${name} ships ${needed}`).toContain(needed);
    const stray = paths.filter((p) =>
      /(\.test\.ts$|^test\/|^test-node\/|^bench\/|^chaos\/|tsconfig|vitest|wrangler\.jsonc$|\.dev\.vars)/.test(
        p,
      ),
    );
    expect(stray, `${name} ships no tests, benches or configs`).toEqual([]);
  }
  const core = packed.find((p) => p.name === "@edgeq/core")?.files.map((f) => f.path);
  expect(core).toContain("dist/testing/index.d.ts");
});

it("installs as real packages, not links into the workspace", async () => {
  for (const name of PACKAGES) {
    expect((await lstat(join(app, "node_modules", name))).isSymbolicLink()).toBe(false);
  }
  // Only one @edgeq/core: the browser's and the worker's dependency is the tarball.
  await expect(lstat(join(app, "node_modules/@edgeq/browser/node_modules"))).rejects.toThrow();
});

it("type-checks a page, a Worker and the JSDoc examples against the shipped declarations (skipLibCheck off)", async () => {
  const check = (project: string) =>
    run(process.execPath, [tsc, "-p", project], { cwd: app }).then(
      ({ stdout }) => stdout,
      (error: { stdout: string }) => error.stdout,
    );
  // Both at once: each checks every declaration it reaches (DOM, workers-types, hono, idb).
  const [page, worker] = await Promise.all([
    check("tsconfig.page.json"),
    check("tsconfig.worker.json"),
  ]);
  expect(page, "the page").toBe("");
  expect(worker, "the Worker").toBe("");
});

it("loads in plain Node: the core and its testing entry resolve from dist", async () => {
  const { stdout } = await run(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { Broker } from "@edgeq/core/engine";
import { openMemoryStore } from "@edgeq/core/store";
       const broker = await Broker.open({ store: await openMemoryStore() });
       await broker.createTopic("t", { queueCount: 1 });
       console.log(JSON.stringify({ testing: import.meta.resolve("@edgeq/core/testing") }));
       await broker.close?.();`,
    ],
    { cwd: app },
  );
  expect(stdout).toContain("/node_modules/@edgeq/core/dist/testing/index.js");
});

it("runs the core's JSDoc examples in plain Node against the packed package", async () => {
  expect(nodeExamples.length).toBeGreaterThanOrEqual(3);
  for (const example of nodeExamples) {
    const script = example.replace(/\.ts$/, ".mjs");
    const { code } = await transform(await readFile(example, "utf8"), {
      loader: "ts",
      format: "esm",
    });
    await writeFile(script, code);
    await expect(run(process.execPath, [script], { cwd: app }), example).resolves.toBeDefined();
  }
});

async function startWorkers(): Promise<Miniflare> {
  const out = join(scratch, "workers");
  // Bundled as wrangler bundles a Worker: its conditions, cloudflare:* left to the runtime.
  await bundle({
    entryPoints: { broker: join(app, "worker/broker.ts"), client: join(app, "worker/client.ts") },
    outdir: out,
    absWorkingDir: app,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "warning",
  });
  const instance = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        name: "edgeq",
        modules: true,
        scriptPath: join(out, "broker.js"),
        modulesRoot: out,
        compatibilityDate: "2026-04-01",
        durableObjects: { QUEUE: { className: "QueueDO", useSQLite: true } },
        bindings: {
          EDGEQ_TOKENS: JSON.stringify({
            [TOKEN]: [{ topics: "*", rights: ["produce", "consume"] }],
          }),
          EDGEQ_TOPICS: JSON.stringify({ orders: { queueCount: 2 } }),
          EDGEQ_CORS_ORIGINS: "*",
        },
      },
      {
        name: "client",
        modules: true,
        scriptPath: join(out, "client.js"),
        modulesRoot: out,
        compatibilityDate: "2026-04-01",
        serviceBindings: { EDGEQ: { name: "edgeq", entrypoint: "EdgeqRpc" } },
      },
    ],
  });
  await instance.ready;
  return instance;
}

it("runs a Worker that produces over RpcTransport to the packed broker in Miniflare", async () => {
  mf = await startWorkers();
  const client = await mf.getWorker("client");
  const answer = (await (await client.fetch("http://client/")).json()) as {
    result: { status: string; offset: number };
    body: unknown;
  };
  expect(answer.result.status).toBe("stored");
  expect(answer.body).toEqual({ from: "worker" });
});

it("builds a Vite page on createOutbox that delivers to the broker from Chromium", async () => {
  mf ??= await startWorkers();
  const brokerUrl = (await mf.ready).origin;
  const outDir = join(scratch, "site");
  // Vitest runs with NODE_ENV=test, which would make this a development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({
      root: app,
      configFile: false,
      logLevel: "warn",
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  server = await preview({
    root: app,
    configFile: false,
    logLevel: "warn",
    build: { outDir },
    preview: { port: 0, host: "127.0.0.1" },
  });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const query = new URLSearchParams({ broker: brokerUrl, token: TOKEN });
  await page.goto(`${server.resolvedUrls?.local[0]}?${query}`);
  // The page shows nothing: it leaves its outcome on <body>.
  await page.waitForSelector("body[data-result]", { state: "attached" });
  const result = JSON.parse((await page.getAttribute("body", "data-result")) ?? "{}") as {
    error?: string;
    sent: Array<{ seq: number }>;
    stats: { pending: number; acknowledged: number; deadLetters: number };
  };
  expect(result.error).toBeUndefined();
  expect(errors).toEqual([]);
  expect(result.sent.map((m) => m.seq)).toEqual([1, 2, 3]);
  expect(result.stats).toMatchObject({ pending: 0, acknowledged: 3, deadLetters: 0 });

  // In the broker's log, once each.
  const bodies: unknown[] = [];
  for (const queue of [0, 1]) {
    const res = await fetch(`${brokerUrl}/v1/topics/orders/queues/${queue}/messages?from=0`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const { messages } = (await res.json()) as { messages: Array<{ body: { from: string } }> };
    bodies.push(...messages.map((m) => m.body).filter((b) => b.from === "page"));
  }
  expect(bodies).toHaveLength(3);
});
