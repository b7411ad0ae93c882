import { SELF } from "cloudflare:test";
import { expect } from "vitest";

// Shared by the adversarial suite (test/adversarial-*.test.ts): one way to send
// a hostile request, read its answer whatever it is, and snapshot what a
// refused request must not have changed.

export const ORIGIN = "https://edgeq.test";
export const ADMIN = "Bearer admin-token";

/** A request body: JSON (stringified here), raw JSON text, or raw bytes (invalid UTF-8 on purpose). */
export type Body = { json: unknown } | { text: string } | { bytes: Uint8Array };

export interface SendOptions {
  /** The whole `authorization` header; `null` sends none. Default: the admin token. */
  auth?: string | null;
  body?: Body;
  /** Default `application/json` when there is a body; `null` sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON answer, `undefined` when the answer is not JSON. */
  json: unknown;
}

/** The error envelope of docs/protocol.md (`{"error": {"code", "message", ...details}}`). */
export interface ErrorBody {
  code?: string;
  message?: string;
  field?: string;
  reason?: string;
  limit?: number;
  details?: Record<string, unknown>;
  [detail: string]: unknown;
}

/**
 * Sends `method path` (path as written: percent-escapes are kept, a lone
 * surrogate's bytes can be given as `%ED%A0%80`) and answers whatever comes.
 */
export async function send(
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.auth === undefined ? ADMIN : options.auth;
  if (auth !== null) headers.authorization = auth;
  let body: BodyInit | undefined;
  if (options.body) {
    const contentType =
      options.contentType === undefined ? "application/json" : options.contentType;
    if (contentType !== null) headers["content-type"] = contentType;
    const b = options.body;
    body = "json" in b ? JSON.stringify(b.json) : "text" in b ? b.text : b.bytes;
  }
  const res = await SELF.fetch(`${ORIGIN}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = method === "HEAD" ? "" : await res.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The error of an answer (empty when it has none). */
export function errorOf(answer: Answer): ErrorBody {
  const body = answer.json as { error?: ErrorBody } | undefined;
  return body?.error ?? {};
}

/** The `field` of an error, wherever the broker puts its details. */
export function fieldOf(answer: Answer): unknown {
  const error = errorOf(answer);
  return error.field ?? error.details?.field;
}

/** Asserts an error answer: its status and stable code. */
export function expectError(answer: Answer, status: number, code: string): ErrorBody {
  const said = `${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, said).toBe(status);
  expect(errorOf(answer).code, said).toBe(code);
  return errorOf(answer);
}

/** Asserts a success answer with this status. */
export function expectOk(answer: Answer, status = 200): void {
  expect(answer.status, answer.text.slice(0, 300)).toBe(status);
}

/** A JSON answer of this status, typed as the caller expects it. */
export function okJson<T>(answer: Answer, status = 200): T {
  expectOk(answer, status);
  return answer.json as T;
}

/**
 * Everything a refused request could have changed, each part as text (so
 * own `__proto__` keys compare like any other, and a diff shows the part
 * that moved): the topic list with settings, each topic's stats, each named
 * group's offsets and each stream's head.
 */
export async function snapshot(what: {
  topics: readonly string[];
  groups?: ReadonlyArray<readonly [topic: string, group: string]>;
  streams?: readonly string[];
  /** Who lists the topics (default the admin token, whose list holds every topic's settings). */
  listAs?: string;
  /** Topics whose settings to read on their own (when `listAs` does not see settings). */
  settings?: readonly string[];
  /** Any other answers (GET paths, with the admin token) that must not move. */
  paths?: readonly string[];
}): Promise<string[]> {
  const parts: string[] = [];
  const list = await send("GET", "/v1/topics?limit=1000", { auth: what.listAs ?? ADMIN });
  parts.push(`${list.status} ${list.text}`);
  for (const topic of what.settings ?? []) {
    const settings = await send("GET", `/v1/topics/${topic}`);
    parts.push(`${topic} settings: ${settings.status} ${settings.text}`);
  }
  for (const topic of what.topics) {
    const stats = await send("GET", `/v1/topics/${topic}/stats`);
    parts.push(`${topic}: ${stats.status} ${stats.text}`);
  }
  for (const [topic, group] of what.groups ?? []) {
    const offsets = await send("GET", `/v1/topics/${topic}/groups/${group}/offsets`);
    parts.push(`${topic}/${group}: ${offsets.status} ${offsets.text}`);
  }
  for (const stream of what.streams ?? []) {
    const head = await send("HEAD", `/v1/stream/${stream}`);
    const h = head.headers;
    parts.push(
      `${stream}: ${head.status} ${h.get("stream-next-offset")} ${h.get("stream-closed")}`,
    );
  }
  for (const path of what.paths ?? []) {
    const answer = await send("GET", path);
    parts.push(`${path}: ${answer.status} ${answer.text}`);
  }
  return parts;
}

/** Own keys of an object parsed from JSON, sorted: `__proto__` counts like any key. */
export function ownKeys(value: unknown): string[] {
  return typeof value === "object" && value !== null ? Object.keys(value).sort() : [];
}

/** A lone high surrogate's would-be UTF-8 bytes, percent-encoded (not UTF-8: CESU/WTF-8). */
export const LONE_SURROGATE_URL = "%ED%A0%80";

/** `count` copies of `text`. */
export const times = (text: string, count: number) => text.repeat(count);
