import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** What the local runtime must share with the deployed Worker, read from wrangler.jsonc. */
export interface WorkerConfig {
  /** Absolute path of the Worker's entry module (`main`). */
  main: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** Durable Object bindings, SQLite-backed when a migration lists the class in `new_sqlite_classes`. */
  durableObjects: Record<string, { className: string; useSQLite: boolean }>;
}

const CONFIG_PATH = fileURLToPath(new URL("../wrangler.jsonc", import.meta.url));

/**
 * Reads the Worker's own wrangler.jsonc, so the tests, the benchmark and the
 * chaos harness run with the compatibility date, flags and Durable Object
 * classes that production gets, not a copy that drifts.
 */
export function readWorkerConfig(path = CONFIG_PATH): WorkerConfig {
  const raw: unknown = JSON.parse(stripJsonc(readFileSync(path, "utf8")));
  const config = asRecord(raw, "wrangler config");
  const sqlite = new Set<string>();
  for (const m of asArray(config.migrations ?? [], "migrations"))
    for (const c of asArray(
      asRecord(m, "migration").new_sqlite_classes ?? [],
      "new_sqlite_classes",
    ))
      sqlite.add(asString(c, "new_sqlite_classes[]"));
  const durableObjects: WorkerConfig["durableObjects"] = {};
  const bindings = asRecord(config.durable_objects ?? { bindings: [] }, "durable_objects").bindings;
  for (const b of asArray(bindings ?? [], "durable_objects.bindings")) {
    const binding = asRecord(b, "durable_objects.bindings[]");
    const className = asString(binding.class_name, "class_name");
    durableObjects[asString(binding.name, "name")] = {
      className,
      useSQLite: sqlite.has(className),
    };
  }
  return {
    main: resolve(dirname(path), asString(config.main, "main")),
    compatibilityDate: asString(config.compatibility_date, "compatibility_date"),
    compatibilityFlags: asArray(config.compatibility_flags ?? [], "compatibility_flags").map((f) =>
      asString(f, "compatibility_flags[]"),
    ),
    durableObjects,
  };
}

/** JSONC to JSON: drops comments and trailing commas, leaving string contents alone. */
export function stripJsonc(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      // Copy the whole string literal, escapes included.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === ",") {
      // A comma followed only by blanks (or comments) and a closer is a trailing one.
      const next = nextToken(text, i + 1);
      if (next !== "}" && next !== "]") out += c;
    } else out += c;
  }
  return out;
}

/** The first character at or after `from` that is not blank or inside a comment. */
function nextToken(text: string, from: number): string | undefined {
  let i = from;
  while (i < text.length) {
    if (/\s/.test(text[i] ?? "")) i++;
    else if (text.startsWith("//", i)) while (i < text.length && text[i] !== "\n") i++;
    else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
    } else return text[i];
  }
  return undefined;
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error(`wrangler.jsonc: ${what} must be an object`);
  return value as Record<string, unknown>;
}
function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`wrangler.jsonc: ${what} must be a list`);
  return value;
}
function asString(value: unknown, what: string): string {
  if (typeof value !== "string") throw new Error(`wrangler.jsonc: ${what} must be a string`);
  return value;
}
