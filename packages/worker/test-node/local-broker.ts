import { rmSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { readWorkerConfig } from "./wrangler-config.js";

export interface LocalBrokerOptions {
  /** Directory of the Durable Objects' SQLite files; reuse it to restart over the same data. */
  persistDir?: string;
  tokens: Record<string, Array<{ topics: string; rights: string[] }>>;
  topics: Record<string, Record<string, unknown>>;
  /** Another entry module (e.g. the benchmark's worker that adds a raw-SQL object). */
  entry?: string;
  durableObjects?: Record<string, { className: string; useSQLite: true }>;
  /** More vars for the Worker (e.g. `EDGEQ_ANONYMOUS_STREAMS`). */
  bindings?: Record<string, string>;
  /** Serve the Worker's V8 inspector (DevTools protocol) on this port: the memory benchmark reads heap use through it. */
  inspectorPort?: number;
  /** `EDGEQ_JWT`, when the broker should accept per-user tokens. */
  jwt?: unknown;
  /** Leave out the topic registry's binding: topics come from `topics` alone, fixed (the registry benchmark's baseline). */
  withoutTopicRegistry?: boolean;
}

export interface LocalBroker {
  url: string;
  mf: Miniflare;
  /** Disposes the runtime; the persisted data stays for the next one. */
  stop(): Promise<void>;
}

/**
 * The real edge broker (`@edgeq/worker`, bundled from source with esbuild) in
 * a local workerd through Miniflare, serving HTTP on 127.0.0.1. Used by the
 * restart tests, the benchmark and the browser tests' setup.
 */
export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  // Date, flags and Durable Object classes as deployed (wrangler.jsonc).
  const worker = readWorkerConfig();
  const { dir, scriptPath } = await bundleWorker(options.entry ?? worker.main);
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRoot: dir,
    compatibilityDate: worker.compatibilityDate,
    compatibilityFlags: worker.compatibilityFlags,
    host: "127.0.0.1",
    port: 0,
    durableObjects: Object.fromEntries(
      Object.entries({ ...worker.durableObjects, ...options.durableObjects }).filter(
        ([name]) => !(options.withoutTopicRegistry && name === "TOPIC_REGISTRY"),
      ),
    ),
    // Without a directory, the state lives in memory and dies with the runtime.
    ...(options.persistDir ? { durableObjectsPersist: options.persistDir } : {}),
    ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort }),
    bindings: {
      EDGEQ_TOKENS: JSON.stringify(options.tokens),
      EDGEQ_TOPICS: JSON.stringify(options.topics),
      EDGEQ_CORS_ORIGINS: "*",
      // No JSON line per request on the test's stdout (a test can turn them on: bindings).
      EDGEQ_LOG: "off",
      ...options.bindings,
      ...(options.jwt === undefined ? {} : { EDGEQ_JWT: JSON.stringify(options.jwt) }),
    },
  });
  const url = (await mf.ready).origin;
  return { url, mf, stop: () => mf.dispose() };
}

/** What a test or example Worker next to the broker needs of it in one Miniflare. */
export interface BrokerWorkerOptions {
  tokens?: LocalBrokerOptions["tokens"];
  topics: LocalBrokerOptions["topics"];
  /** The broker's bindings to other Workers of the run (e.g. a transaction checker). */
  serviceBindings?: Record<string, { name: string; entrypoint: string }>;
  /** More vars (e.g. `EDGEQ_ANONYMOUS_STREAMS`). */
  bindings?: Record<string, string>;
  /** More Durable Object bindings, e.g. to a consumer Worker's class (`scriptName`). */
  durableObjects?: Record<string, { className: string; scriptName?: string; useSQLite?: boolean }>;
}

/**
 * The broker as the Worker named `edgeq` of a multi-Worker Miniflare (bundled
 * from source, with the date and Durable Objects of wrangler.jsonc), for the
 * examples that bind it as a service (`{ name: "edgeq", entrypoint: "EdgeqRpc" }`).
 */
export async function brokerWorker(options: BrokerWorkerOptions) {
  const worker = readWorkerConfig();
  const { dir, scriptPath } = await bundleWorker(worker.main);
  return {
    name: "edgeq",
    modules: true,
    scriptPath,
    modulesRoot: dir,
    compatibilityDate: worker.compatibilityDate,
    compatibilityFlags: worker.compatibilityFlags,
    durableObjects: { ...worker.durableObjects, ...options.durableObjects },
    ...(options.serviceBindings ? { serviceBindings: options.serviceBindings } : {}),
    bindings: {
      EDGEQ_TOKENS: JSON.stringify(options.tokens ?? {}),
      EDGEQ_TOPICS: JSON.stringify(options.topics),
      ...options.bindings,
    },
  } as const;
}

const bundles = new Map<string, Promise<{ dir: string; scriptPath: string }>>();

/** Bundles an entry once per process (restarts reuse it), in a temp dir removed at exit. */
export function bundleWorker(entry: string): Promise<{ dir: string; scriptPath: string }> {
  let built = bundles.get(entry);
  if (!built) {
    built = (async () => {
      const dir = await mkdtemp(join(tmpdir(), "edgeq-bundle-"));
      process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
      const scriptPath = join(dir, "worker.js");
      await build({
        entryPoints: [entry],
        outfile: scriptPath,
        bundle: true,
        format: "esm",
        platform: "neutral",
        target: "es2022",
        // Wrangler's conditions, after edgeq's own: workspace packages bundle from source.
        conditions: ["edgeq-source", "workerd", "worker", "browser"],
        mainFields: ["module", "main"],
        external: ["cloudflare:*", "node:*"],
        logLevel: "warning",
      });
      return { dir, scriptPath };
    })();
    bundles.set(entry, built);
  }
  return built;
}

/**
 * Deletes the storage of every Durable Object of class `className` under a
 * persisted directory (`<persist>/<script>-<Class>/<id>.sqlite` with its -wal
 * and -shm; the script has no name here), keeping Miniflare's own metadata:
 * the objects' storage is gone, as after a disk or region loss. Run it while
 * the runtime is stopped. Answers how many objects lost their storage.
 */
export async function deleteObjectStorage(dir: string, className: string): Promise<number> {
  const classDir = (await readdir(dir)).find((d) => d.endsWith(`-${className}`));
  if (!classDir) throw new Error(`no ${className} storage under ${dir}`);
  const files = (await readdir(join(dir, classDir))).filter((f) => !f.startsWith("metadata."));
  for (const f of files) await rm(join(dir, classDir, f));
  return files.filter((f) => f.endsWith(".sqlite")).length;
}
