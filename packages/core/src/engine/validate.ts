import { EdgeqError, invalid } from "../errors.js";
import { bytesToBase64, isBase64, utf8Length } from "../util/bytes.js";
import type { TopicConfig } from "./config.js";
import type { ProducerScope } from "./producer-scope.js";

/** Topic, group and producer names (docs/protocol.md, Conventions). */
export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Throws `invalid_request` unless `value` is a valid topic, group, producer or
 * transaction name: NAME_PATTERN, but not `.` or `..`, which a URL resolves
 * away (`/v1/topics/..` is `/v1/`), so such a topic could never be reached.
 */
export function assertName(kind: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || !NAME_PATTERN.test(value))
    invalid(`${kind} must match [A-Za-z0-9._-]{1,128}`, kind);
  if (value === "." || value === "..") invalid(`${kind} may not be "." or ".."`, kind);
}

/** Throws `invalid_request` unless `value` is a non-negative safe integer. */
// In a `u` regex a surrogate pair is one code point: only lone surrogates match.
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Text must be well-formed Unicode: a lone surrogate cannot be encoded as
 * UTF-8, so it would break indexes (keys are percent-encoded), the wire and
 * storage. Refused as `invalid_request`, like any malformed field.
 */
export function assertWellFormed(name: string, value: string): string {
  if (LONE_SURROGATE.test(value))
    invalid(`${name} must be well-formed Unicode (a lone surrogate)`, name);
  return value;
}

/**
 * A `\uD800`–`\uDFFF` escape after an even run of backslashes: JSON.stringify
 * writes a lone surrogate that way (ES2019), and a well-formed pair as itself,
 * so its text shows whether any string or object key at any depth is broken.
 */
const ESCAPED_SURROGATE = /(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F]/;

export function assertOffset(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
    invalid(`${name} must be a non-negative integer`);
}

/** Throws `invalid_request` unless `value` is an integer in [min, max]; answers it. */
export function assertIntInRange(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    invalid(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

export function assertReceipts(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 1000)
    invalid("receipts must be a list of 1 to 1000 receipts");
  for (const r of value) {
    if (typeof r !== "string" || r.length === 0 || r.length > 256)
      invalid("each receipt must be a non-empty string");
    assertWellFormed("a receipt", r);
  }
  return [...new Set(value as string[])];
}

/** A message after validation: what the engine stores. */
export interface NormalizedMessage {
  /**
   * A JSON body as the text validation wrote: the log stores it as that
   * string (`StoredMessage.json`), so no later step parses or writes it again.
   */
  json?: string;
  /** A bytes body, as base64 (`bytes` true; `json` absent). */
  body?: string;
  bytes: boolean;
  key?: string;
  tags?: string[];
  headers?: Record<string, string>;
  seq?: number;
  /** Absolute due time, only when in the future. */
  deliverAt?: number;
  /** Never delivered after this time. */
  expiresAt?: number;
  size: number;
}

declare const validated: unique symbol;

/**
 * A batch that passed `normalizeAppend`. The brand makes the engine's
 * `append` accept nothing else, so no host can skip validation.
 */
export interface NormalizedAppend {
  producerId?: string;
  /**
   * The producer's session, when it declares one: the batch is fenced by any
   * newer epoch, and its seqs must be gapless (see `ProducerWindow.admit`).
   */
  producerEpoch?: number;
  /** Whose producer `producerId` is; set by the host after validation, never read from the request. */
  scope?: ProducerScope;
  messages: NormalizedMessage[];
  readonly [validated]: true;
}

const MAX_KEY_BYTES = 1024;
const MAX_TAGS = 32;
const MAX_HEADERS = 64;

/**
 * Validates an append as it arrives from any surface (in-process call or
 * parsed HTTP JSON, hence `unknown`): a bad request throws before anything is
 * written, so a rejected append changes nothing.
 */
export function normalizeAppend(
  input: unknown,
  config: TopicConfig,
  now: number,
): NormalizedAppend {
  if (!isPlainObject(input)) invalid("request must be an object");
  const { producerId, producerEpoch, messages } = input;
  if (producerId !== undefined) assertName("producerId", producerId);
  if (producerEpoch !== undefined) {
    if (producerId === undefined) invalid("producerEpoch needs a producerId");
    assertOffset("producerEpoch", producerEpoch);
  }
  if (!Array.isArray(messages) || messages.length === 0)
    invalid("messages must be a non-empty list");
  if (messages.length > config.maxBatchMessages)
    throw new EdgeqError("too_large", `a batch holds at most ${config.maxBatchMessages} messages`, {
      details: { limit: config.maxBatchMessages },
    });
  let total = 0;
  const out: NormalizedMessage[] = [];
  messages.forEach((m, i) => {
    const msg = normalizeMessage(m, i, config, now, producerId !== undefined);
    total += msg.size;
    out.push(msg);
  });
  if (total > config.maxBatchBytes)
    throw new EdgeqError("too_large", `a batch holds at most ${config.maxBatchBytes} bytes`, {
      details: { limit: config.maxBatchBytes },
    });
  if (producerEpoch !== undefined && out.some((m) => m.seq === undefined))
    invalid("every message of a producer with an epoch needs a seq");
  const batch =
    producerId === undefined
      ? { messages: out }
      : { producerId, ...(producerEpoch === undefined ? {} : { producerEpoch }), messages: out };
  return batch as NormalizedAppend;
}

function normalizeMessage(
  m: unknown,
  i: number,
  config: TopicConfig,
  now: number,
  hasProducer: boolean,
): NormalizedMessage {
  const at = `messages[${i}]`;
  if (!isPlainObject(m)) invalid(`${at} must be an object`);
  if (!("body" in m) || m.body === undefined) invalid(`${at}.body is required`);
  let body: string | undefined;
  let bytes = false;
  let size: number;
  let json: string | undefined;
  if (m.body instanceof Uint8Array) {
    body = bytesToBase64(m.body);
    bytes = true;
    size = m.body.byteLength;
  } else if (m.encoding === "base64") {
    if (typeof m.body !== "string" || !isBase64(m.body)) invalid(`${at}.body must be base64 text`);
    body = m.body;
    bytes = true;
    size = Math.floor((m.body.length * 3) / 4);
  } else {
    if (m.encoding !== undefined && m.encoding !== "json")
      invalid(`${at}.encoding must be "base64" or "json"`);
    json = jsonText(m.body, at);
    size = utf8Length(json);
  }
  const msg: NormalizedMessage = json === undefined ? { body, bytes, size } : { json, bytes, size };
  if (m.key !== undefined) {
    if (typeof m.key !== "string" || m.key.length === 0 || utf8Length(m.key) > MAX_KEY_BYTES)
      invalid(`${at}.key must be a string of 1 to ${MAX_KEY_BYTES} bytes`);
    msg.key = assertWellFormed(`${at}.key`, m.key);
    msg.size += utf8Length(m.key);
  }
  if (m.tags !== undefined) {
    if (!Array.isArray(m.tags) || m.tags.length > MAX_TAGS)
      invalid(`${at}.tags must be a list of at most ${MAX_TAGS} tags`);
    for (const t of m.tags) {
      if (typeof t !== "string" || t.length === 0 || t.length > 128)
        invalid(`${at}.tags must hold strings of 1 to 128 characters`);
      msg.size += utf8Length(assertWellFormed(`${at}.tags`, t));
    }
    if (m.tags.length > 0) msg.tags = [...(m.tags as string[])];
  }
  if (m.headers !== undefined) {
    if (!isPlainObject(m.headers)) invalid(`${at}.headers must be an object of strings`);
    const entries = Object.entries(m.headers);
    if (entries.length > MAX_HEADERS) invalid(`${at}.headers holds at most ${MAX_HEADERS} entries`);
    for (const [k, v] of entries) {
      if (typeof v !== "string") invalid(`${at}.headers.${k} must be a string`);
      msg.size += utf8Length(assertWellFormed(`${at}.headers`, k));
      msg.size += utf8Length(assertWellFormed(`${at}.headers`, v));
    }
    if (entries.length > 0) msg.headers = { ...(m.headers as Record<string, string>) };
  }
  if (m.seq !== undefined) {
    if (!hasProducer) invalid(`${at}.seq needs a producerId`);
    assertOffset(`${at}.seq`, m.seq);
    msg.seq = m.seq;
  }
  if (m.delayMs !== undefined && m.deliverAt !== undefined)
    invalid(`${at} may set delayMs or deliverAt, not both`);
  let due: number | undefined;
  if (m.delayMs !== undefined)
    due = now + assertIntInRange(`${at}.delayMs`, m.delayMs, 0, config.maxDelayMs);
  if (m.deliverAt !== undefined) {
    due = assertIntInRange(`${at}.deliverAt`, m.deliverAt, 0, Number.MAX_SAFE_INTEGER);
    if (due - now > config.maxDelayMs) invalid(`${at}.deliverAt is more than maxDelayMs ahead`);
  }
  // The topic's default delay applies to a message that asks for none.
  if (due === undefined && config.deliveryDelayMs > 0) due = now + config.deliveryDelayMs;
  if (due !== undefined && due > now) msg.deliverAt = due;
  if (m.expiresAt !== undefined)
    msg.expiresAt = assertIntInRange(`${at}.expiresAt`, m.expiresAt, 0, Number.MAX_SAFE_INTEGER);
  if (msg.size > config.maxMessageBytes)
    throw new EdgeqError("too_large", `${at} is over ${config.maxMessageBytes} bytes`, {
      details: { limit: config.maxMessageBytes, index: i },
    });
  return msg;
}

function jsonText(body: unknown, at: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (cause) {
    throw new EdgeqError("invalid_request", `${at}.body is not JSON`, { cause });
  }
  if (text === undefined) invalid(`${at}.body is not JSON`);
  // JSON.stringify writes `\u` only for control characters and lone surrogates: most texts have none.
  if (text.includes("\\u") && ESCAPED_SURROGATE.test(text))
    invalid(`${at}.body must be well-formed Unicode (a lone surrogate)`, `${at}.body`);
  // A body that changes on a JSON round trip (NaN, Infinity, functions, class instances) would not come back as sent.
  if (!isJsonValue(body)) invalid(`${at}.body must be a JSON value`);
  return text;
}

// Loops, not every/Object.values: it runs over every part of every body sent.
function isJsonValue(v: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object":
      break;
    default:
      return false;
  }
  if (v === null) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (i in v && !isJsonValue(v[i], depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(v)) return false;
  for (const key in v) if (Object.hasOwn(v, key) && !isJsonValue(v[key], depth + 1)) return false;
  return true;
}

/** Whether `v` is a plain object (a parsed JSON object, or an object literal). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Throws `invalid_request` unless `tags` is absent or a list of non-empty strings. */
export function assertTags(tags: unknown): asserts tags is string[] | undefined {
  if (
    tags !== undefined &&
    (!Array.isArray(tags) || !tags.every((t) => typeof t === "string" && t.length > 0))
  )
    invalid("tags must be a list of strings", "tags");
  for (const t of tags ?? []) assertWellFormed("tags", t);
}
