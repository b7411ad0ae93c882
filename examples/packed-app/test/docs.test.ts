import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWorkerConfig } from "../../../packages/worker/test-node/wrangler-config.js";
import { curlCalls, type DocBlock, docBlocks, shapeMismatch } from "./doc-blocks.js";
import { npmEnv, packTarballs } from "./scratch.js";

// The docs as a new user follows them: every marked shell block of these files runs, in
// order, in a scratch directory outside the workspace, against the packed tarballs and a
// local broker (doc-blocks.ts says how blocks are marked). What the harness changes in a
// block, and only that: the port 8787 becomes a free one (another broker may hold 8787).

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * Each file runs in a session of its own: a directory holding `edgeq/` (what a clone of
 * this repository holds after `npm run tarballs`: `release/` and the deploy template),
 * and the directory its first block starts in (`clone`: inside that `edgeq/`). `broker`:
 * the file's curls need a broker running, as the file's text says (`npm start`, or your
 * own project's `npm run dev`).
 */
interface Session {
  file: string;
  start: "session" | "clone";
  broker: boolean;
}

/** Files whose session differs from the default, in the order they run. */
const KNOWN: Session[] = [
  // First: its own `npm run dev` takes the port the others' broker takes afterwards.
  { file: "examples/deploy-broker/README.md", start: "session", broker: false },
  { file: "README.md", start: "clone", broker: true },
];

const SHELL_FENCE = /^\s*```(sh|bash|shell)\s*$/m;

/** README.md, docs/*.md and every example's README that has a shell block. */
function docFiles(): string[] {
  const files = [
    "README.md",
    ...readdirSync(join(repo, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
    ...readdirSync(join(repo, "examples")).map((e) => `examples/${e}/README.md`),
  ];
  return files.filter(
    (f) => existsSync(join(repo, f)) && SHELL_FENCE.test(readFileSync(join(repo, f), "utf8")),
  );
}

const SESSIONS: Session[] = [
  ...KNOWN,
  ...docFiles()
    .filter((file) => !KNOWN.some((k) => k.file === file))
    .map(
      (file): Session => ({
        file,
        start: "session",
        // A file that talks to the local broker gets one.
        broker: readFileSync(join(repo, file), "utf8").includes("127.0.0.1:8787"),
      }),
    ),
];

const BLOCK_TIMEOUT_MS = 240_000;
const STATUS = "@@doctest-status";

let scratch: string;
let clone: string;
let port: number;
let env: NodeJS.ProcessEnv;
const servers: ChildProcess[] = [];
const notRun: string[] = [];
/** Where each file's last block left off. */
const finalCwd = new Map<string, string>();
const ran: string[] = [];

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

/** Polls until something answers HTTP on the port, or the process exits, or 120 s pass. */
async function waitForPort(child: ChildProcess, log: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${await log()}`);
    const up = await fetch(`http://127.0.0.1:${port}/`, { redirect: "manual" }).then(
      () => true,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`nothing answered on port ${port} within 120 s:\n${await log()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Its own process group: npm, wrangler and workerd below it go too; killed if it lingers.
  const pid = child.pid;
  process.kill(-pid, "SIGTERM");
  const kill = setTimeout(() => process.kill(-pid, "SIGKILL"), 10_000);
  return exited.finally(() => clearTimeout(kill));
}

/** A shell script that runs `code` where the session's last block left off, and records where that is. */
function script(state: string, code: string): string {
  return [
    "set -a",
    `[ -f "${state}/env" ] && . "${state}/env"`,
    `cd "$(cat "${state}/cwd")"`,
    "set -eo pipefail",
    code.replaceAll("8787", String(port)),
    "set +e",
    `pwd > "${state}/cwd"`,
    `export -p | grep -vE '^declare -x (PWD|OLDPWD|SHLVL|_)=' > "${state}/env"`,
  ].join("\n");
}

/** Each curl call's answer: its HTTP status and its body's last line (curl -w, from .curlrc). */
function answers(stdout: string): Array<{ status: number; body: string }> {
  const parts = stdout.split(new RegExp(`\\n${STATUS} (\\d+)\\n`));
  const out: Array<{ status: number; body: string }> = [];
  for (let i = 1; i < parts.length; i += 2)
    out.push({ status: Number(parts[i]), body: (parts[i - 1] ?? "").split("\n").at(-1) ?? "" });
  return out;
}

async function runBlock(block: DocBlock, state: string): Promise<void> {
  const where = `${block.file}:${block.line}`;
  const { stdout, stderr } = await run("bash", ["-c", script(state, block.code)], {
    env,
    timeout: BLOCK_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`${where} failed: ${error.message}\n${error.stdout}\n${error.stderr}`);
  });
  // No build the docs run may warn (esbuild's JSX import source warning was in every one).
  expect(`${stdout}${stderr}`, `${where} printed a build warning`).not.toMatch(
    /JSX import source|▲ \[WARNING\]/,
  );
  const calls = answers(stdout);
  expect(calls.length, `${where}: every curl answered\n${stderr}`).toBe(curlCalls(block.code));
  for (const [i, call] of calls.entries()) {
    expect(call.status, `${where}: curl #${i + 1} answered ${call.body}`).toBeGreaterThanOrEqual(
      200,
    );
    expect(call.status, `${where}: curl #${i + 1} answered ${call.body}`).toBeLessThan(300);
  }
  for (const [i, shape] of block.expected)
    expect(
      shapeMismatch(shape, JSON.parse(calls[i]?.body ?? "null")),
      `${where}: curl #${i + 1} answered ${calls[i]?.body}`,
    ).toBeUndefined();
}

async function startBackground(block: DocBlock, state: string, log: string): Promise<void> {
  const out = openSync(log, "w");
  const child = spawn("bash", ["-c", script(state, block.code)], {
    env,
    detached: true,
    stdio: ["ignore", out, out],
  });
  servers.push(child);
  await waitForPort(child, () => readFile(log, "utf8"));
}

/**
 * The broker the files' curls talk to, set up as the deploy template's README says: the
 * template copied out, the tarballs installed, its .dev.vars, `npm run dev`. Each file
 * gets it with empty storage, so what one file's blocks stored cannot change another's.
 */
async function startBroker(): Promise<ChildProcess> {
  const dir = join(scratch, "broker");
  if (!existsSync(dir)) {
    await cp(join(clone, "examples/deploy-broker"), dir, { recursive: true });
    const tarballs = "../edgeq/release/edgeq-core-*.tgz ../edgeq/release/edgeq-worker-*.tgz";
    await run("bash", ["-c", `npm install ${tarballs}`], { cwd: dir, env });
    await cp(join(dir, ".dev.vars.example"), join(dir, ".dev.vars"));
  }
  await rm(join(dir, ".wrangler"), { recursive: true, force: true });
  const log = join(scratch, "broker.log");
  const child = spawn("npm", ["run", "dev"], {
    cwd: dir,
    env,
    detached: true,
    stdio: ["ignore", openSync(log, "w"), openSync(log, "a")],
  });
  servers.push(child);
  await waitForPort(child, () => readFile(log, "utf8"));
  return child;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "edgeq-docs-"));
  port = await freePort();
  // What a clone holds after `npm run tarballs`: the three tarballs, and the template,
  // whose `npm run dev` port (wrangler.jsonc) is the harness's.
  clone = join(scratch, "edgeq");
  await packTarballs(join(clone, "release"));
  const template = join(clone, "examples/deploy-broker");
  await cp(join(repo, "examples/deploy-broker"), template, { recursive: true });
  const config = join(template, "wrangler.jsonc");
  await writeFile(config, (await readFile(config, "utf8")).replaceAll("8787", String(port)));
  // Every curl also prints its status on a line of its own, for runBlock to check.
  const curlHome = join(scratch, "curl");
  await mkdir(curlHome);
  await writeFile(join(curlHome, ".curlrc"), `write-out = "\\n${STATUS} %{http_code}\\n"\n`);
  env = {
    ...npmEnv(),
    CURL_HOME: curlHome,
    // npm's cache first (npm ci filled it), the registry only for what is missing.
    npm_config_prefer_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    WRANGLER_SEND_METRICS: "false",
    CI: "true",
  };
}, 180_000);

afterAll(async () => {
  await Promise.all(servers.map(stop));
  console.log(
    `doc blocks run (${ran.length}):\n  ${ran.join("\n  ")}\n` +
      `not run here (${notRun.length}):\n  ${notRun.join("\n  ")}`,
  );
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

for (const session of SESSIONS) {
  describe(session.file, () => {
    let blocks: DocBlock[] = [];
    let state: string;
    let sessionDir: string;
    beforeAll(async () => {
      blocks = docBlocks(session.file, await readFile(join(repo, session.file), "utf8"));
      const dir = join(scratch, session.file.replaceAll("/", "_"));
      sessionDir = dir;
      await mkdir(dir);
      await cp(clone, join(dir, "edgeq"), { recursive: true });
      state = join(dir, ".doctest");
      await mkdir(state);
      await writeFile(join(state, "cwd"), session.start === "clone" ? join(dir, "edgeq") : dir);
      if (session.broker) await startBroker();
    }, BLOCK_TIMEOUT_MS);
    afterAll(async () => {
      await Promise.all(servers.splice(0).map(stop));
    });

    it("runs every marked block in order; each curl answers 2xx with the body's documented shape", async () => {
      expect(blocks.length, "the file has marked blocks").toBeGreaterThan(0);
      for (const block of blocks) {
        const where = `${block.file}:${block.line}`;
        if (block.mode === "skip") notRun.push(`${where}: ${block.argument}`);
        else if (block.mode === "file") {
          const cwd = (await readFile(join(state, "cwd"), "utf8")).trim();
          await mkdir(dirname(join(cwd, block.argument)), { recursive: true });
          await writeFile(join(cwd, block.argument), `${block.code}\n`);
          ran.push(`${where}: written to ${block.argument}`);
        } else if (block.mode === "background") {
          await startBackground(block, state, join(state, `background-${block.line}.log`));
          ran.push(`${where}: started, answering on its port`);
        } else {
          // `run fresh`: another way to do the same step, in a session of its own.
          if (block.argument === "fresh") {
            const fresh = join(sessionDir, `fresh-${block.line}`);
            await cp(clone, join(fresh, "edgeq"), { recursive: true });
            const at = session.start === "clone" ? join(fresh, "edgeq") : fresh;
            await writeFile(join(state, "cwd"), at);
          }
          await runBlock(block, state);
          ran.push(`${where}: ${block.code.split("\n")[0]}`);
        }
      }
      finalCwd.set(session.file, (await readFile(join(state, "cwd"), "utf8")).trim());
    }, 900_000);
  });
}

it("covers README.md, docs/*.md and the examples' READMEs", () => {
  for (const file of ["README.md", "docs/protocol.md", "examples/deploy-broker/README.md"])
    expect(SESSIONS.map((s) => s.file)).toContain(file);
});

it("the deploy guide's project exports exactly the Durable Object classes its wrangler.jsonc binds and migrates", async () => {
  // Where the guide's last block ran `wrangler deploy --dry-run --outdir dist`.
  const project = finalCwd.get("examples/deploy-broker/README.md") ?? "";
  const bundle = await readFile(join(project, "dist/index.js"), "utf8");
  const exported = (/export \{([^}]*)\};?\s*(\/\/.*)?$/.exec(bundle.trimEnd())?.[1] ?? "")
    .split(",")
    .map(
      (name) =>
        name
          .trim()
          .split(/\s+as\s+/)
          .at(-1) ?? "",
    )
    .filter((name) => name !== "" && name !== "default" && name !== "EdgeqRpc")
    .sort();
  const config = readWorkerConfig(join(project, "wrangler.jsonc"));
  const bound = Object.values(config.durableObjects)
    .map((b) => b.className)
    .sort();
  expect(exported).toEqual([
    "QueueDO",
    "RateLimiterDO",
    "ReplicaDO",
    "StreamDO",
    "TopicRegistryDO",
  ]);
  expect(bound, "each exported class has a binding").toEqual(exported);
  for (const [name, b] of Object.entries(config.durableObjects))
    expect(b.useSQLite, `${name} has a new_sqlite_classes migration`).toBe(true);
});

it("the README's Cloudflare Queues Worker, which imports only @edgeq/worker/bindings, bundles to 30 KB gzipped or less", async () => {
  // Where the README's last block ran `wrangler deploy --dry-run --outdir dist`.
  const bundle = await readFile(join(finalCwd.get("README.md") ?? "", "dist/index.js"));
  const gzipped = gzipSync(bundle, { level: 9 }).length;
  console.log(
    `consumer-only Worker (wrangler's bundle, unminified): ${(bundle.length / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzipped`,
  );
  expect(gzipped).toBeLessThanOrEqual(30 * 1024);
  // Nothing of the broker: no HTTP app, no console, no Durable Object of its own.
  for (const broker of ["createApp", "QueueDO", "console-app", "hono"])
    expect(bundle.toString(), broker).not.toContain(broker);
});
