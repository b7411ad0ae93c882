import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";

const BASE = "https://edgeq.test/v1/topics";
const ADMIN = "admin-token";

interface Case {
  name: string;
  method?: "GET" | "POST";
  path: string;
  /** A string is sent as is (malformed JSON); anything else as JSON. */
  body?: unknown;
  token?: string | null;
  contentType?: string;
  status: number;
  code: string;
}

async function request(c: Omit<Case, "name" | "status" | "code">): Promise<Response> {
  const headers: Record<string, string> = {};
  if (c.token !== null) headers.authorization = `Bearer ${c.token ?? ADMIN}`;
  if (c.body !== undefined) headers["content-type"] = c.contentType ?? "application/json";
  return SELF.fetch(`${BASE}${c.path}`, {
    method: c.method ?? (c.body === undefined ? "GET" : "POST"),
    headers,
    ...(c.body === undefined
      ? {}
      : { body: typeof c.body === "string" ? c.body : JSON.stringify(c.body) }),
  });
}

async function json(path: string): Promise<unknown> {
  const res = await request({ path });
  expect(res.status).toBe(200);
  return res.json();
}

/** Everything a rejected request could have changed: heads, groups, leases, retries, dead letters, offsets. */
async function snapshot(): Promise<unknown> {
  return {
    orders: await json("/orders/stats"),
    small: await json("/small/stats"),
    single: await json("/single/stats"),
    offsets: await json("/orders/groups/errors-g/offsets"),
    dlq: await json("/single/groups/errors-g/dlq"),
  };
}

let receipt = "";

beforeAll(async () => {
  // Some state for the rejected requests to leave alone.
  const sent = await request({
    path: "/single/messages",
    body: {
      producerId: "errors-p",
      messages: [
        { seq: 1, body: "a" },
        { seq: 2, body: "b" },
      ],
    },
  });
  expect(sent.status).toBe(200);
  await request({ path: "/orders/groups/errors-g/offsets", body: { offsets: { "0": 0 } } });
  const leased = await request({
    path: "/single/groups/errors-g/receive",
    body: { max: 1, visibilityMs: 60_000 },
  });
  const { messages } = (await leased.json()) as { messages: Array<{ receipt: string }> };
  receipt = messages[0]!.receipt;
  // A receipt acked once is spent: acking it again is a conflict.
  await request({ path: "/single/groups/errors-g/ack", body: { receipts: [receipt] } });
});

const big = "x".repeat(128 * 1024 + 1);
const cases: Case[] = [
  // Malformed and mistyped input.
  {
    name: "malformed JSON",
    path: "/orders/messages",
    body: "{not json",
    status: 400,
    code: "invalid_request",
  },
  {
    name: "JSON that is not an object",
    path: "/orders/messages",
    body: [1, 2],
    status: 400,
    code: "invalid_request",
  },
  {
    name: "wrong content type",
    path: "/orders/messages",
    body: "{}",
    contentType: "text/plain",
    status: 400,
    code: "invalid_request",
  },
  {
    name: "messages missing",
    path: "/orders/messages",
    body: { producerId: "p" },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "messages empty",
    path: "/orders/messages",
    body: { messages: [] },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "seq not a number",
    path: "/orders/messages",
    body: { producerId: "p", messages: [{ seq: "1", body: 1 }] },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "negative delay",
    path: "/orders/messages",
    body: { messages: [{ body: 1, delayMs: -5 }] },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "tags not a list",
    path: "/orders/messages",
    body: { messages: [{ body: 1, tags: "a" }] },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "bad base64 body",
    path: "/orders/messages",
    body: { messages: [{ body: "***", encoding: "base64" }] },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "transactions are not served here",
    path: "/orders/messages",
    body: { transactional: true, messages: [{ body: 1 }] },
    status: 400,
    code: "invalid_request",
  },
  // Names.
  {
    name: "bad topic name",
    path: "/bad%20topic/messages",
    body: { messages: [{ body: 1 }] },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "bad group name",
    path: "/orders/groups/bad%20group/offsets",
    status: 400,
    code: "invalid_request",
  },
  {
    name: "bad producer id",
    path: "/orders/messages",
    body: { producerId: "has space", messages: [{ seq: 1, body: 1 }] },
    status: 400,
    code: "invalid_request",
  },
  // Unknown things.
  {
    name: "unknown topic",
    path: "/nope/messages",
    body: { messages: [{ body: 1 }] },
    status: 404,
    code: "not_found",
  },
  {
    name: "unknown queue",
    path: "/orders/queues/9/messages?from=0",
    status: 404,
    code: "not_found",
  },
  { name: "unknown route", path: "/orders/whatever", status: 404, code: "not_found" },
  {
    name: "unknown message id",
    path: "/orders/messages/zzzz-0-o5",
    status: 404,
    code: "not_found",
  },
  // Sizes.
  {
    name: "message over 128 KiB",
    path: "/orders/messages",
    body: { messages: [{ body: big }] },
    status: 413,
    code: "too_large",
  },
  {
    name: "over 1,000 messages",
    path: "/orders/messages",
    body: { messages: Array.from({ length: 1001 }, () => ({ body: 1 })) },
    status: 413,
    code: "too_large",
  },
  {
    name: "batch over 4 MiB",
    path: "/orders/messages",
    body: { messages: Array.from({ length: 40 }, () => ({ body: "y".repeat(110 * 1024) })) },
    status: 413,
    code: "too_large",
  },
  {
    name: "over the topic's message size",
    path: "/small/messages",
    body: { messages: [{ body: "z".repeat(2000) }] },
    status: 413,
    code: "too_large",
  },
  {
    name: "over the topic's batch count",
    path: "/small/messages",
    body: { messages: Array.from({ length: 6 }, () => ({ body: 1 })) },
    status: 413,
    code: "too_large",
  },
  // Auth.
  { name: "missing token", path: "/orders/stats", token: null, status: 401, code: "unauthorized" },
  { name: "wrong token", path: "/orders/stats", token: "nope", status: 401, code: "unauthorized" },
  {
    name: "produce without the right",
    path: "/orders/messages",
    token: "consumer-token",
    body: { messages: [{ body: 1 }] },
    status: 403,
    code: "forbidden",
  },
  {
    name: "consume without the right",
    path: "/orders/queues/0/messages?from=0",
    token: "producer-token",
    status: 403,
    code: "forbidden",
  },
  {
    name: "right on another topic",
    path: "/small/messages",
    token: "producer-token",
    body: { messages: [{ body: 1 }] },
    status: 403,
    code: "forbidden",
  },
  {
    name: "redrive without admin",
    path: "/single/groups/errors-g/dlq/redrive",
    token: "consumer-token",
    body: {},
    status: 403,
    code: "forbidden",
  },
  // Offsets.
  { name: "from missing", path: "/single/queues/0/messages", status: 400, code: "invalid_request" },
  {
    name: "from not a number",
    path: "/single/queues/0/messages?from=abc",
    status: 400,
    code: "invalid_request",
  },
  {
    name: "from above head",
    path: "/single/queues/0/messages?from=999",
    status: 416,
    code: "offset_out_of_range",
  },
  {
    name: "commit a negative offset",
    path: "/orders/groups/errors-g/offsets",
    body: { offsets: { "0": -1 } },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "commit past the head",
    path: "/orders/groups/errors-g/offsets",
    body: { offsets: { "0": 1_000_000 } },
    status: 416,
    code: "offset_out_of_range",
  },
  {
    name: "commit to an unknown queue",
    path: "/orders/groups/errors-g/offsets",
    body: { offsets: { "9": 0 } },
    status: 404,
    code: "not_found",
  },
  // Receipts.
  {
    name: "receipts not a list",
    path: "/single/groups/errors-g/ack",
    body: { receipts: "r" },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "malformed receipt",
    path: "/single/groups/errors-g/ack",
    body: { receipts: ["garbage"] },
    status: 404,
    code: "not_found",
  },
  {
    name: "acking twice",
    path: "/single/groups/errors-g/ack",
    body: { receipts: ["<spent>"] },
    status: 409,
    code: "conflict",
  },
  {
    name: "nack a spent receipt",
    path: "/single/groups/errors-g/nack",
    body: { receipts: ["<spent>"] },
    status: 409,
    code: "conflict",
  },
  {
    name: "extend without visibility",
    path: "/single/groups/errors-g/extend",
    body: { receipts: ["<spent>"] },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "visibility too long",
    path: "/single/groups/errors-g/receive",
    body: { visibilityMs: 10 ** 12 },
    status: 400,
    code: "invalid_request",
  },
  // Text that is not well-formed Unicode (a lone surrogate), in every text field and path segment.
  ...(
    [
      ["key", { key: "\udfff" }],
      ["tag", { tags: ["ok", "\ud800"] }],
      ["header name", { headers: { "x-\udfff": "v" } }],
      ["header value", { headers: { "x-a": "v\udc00" } }],
    ] as const
  ).map(
    ([field, extra]): Case => ({
      name: `a lone surrogate in a message's ${field}`,
      path: "/orders/messages",
      body: { messages: [{ body: 1, ...extra }] },
      status: 400,
      code: "invalid_request",
    }),
  ),
  {
    name: "a lone surrogate in a receipt",
    path: "/single/groups/errors-g/ack",
    body: { receipts: ["\udfff"] },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "a lone surrogate in the key of a query",
    path: "/orders/messages?key=%ED%BF%BF",
    status: 400,
    code: "invalid_request",
  },
  {
    name: "a lone surrogate in a tag filter",
    path: "/single/queues/0/messages?from=0&tags=%ED%A0%80",
    status: 400,
    code: "invalid_request",
  },
  {
    name: "a lone surrogate in the topic segment",
    path: "/%ED%BF%BF/messages",
    body: { messages: [{ body: 1 }] },
    status: 400,
    code: "invalid_request",
  },
  {
    name: "a lone surrogate in the group segment",
    path: "/orders/groups/%ED%BF%BF/offsets",
    status: 400,
    code: "invalid_request",
  },
  {
    name: "send-back of an unknown offset",
    path: "/single/groups/errors-g/retry",
    body: { queueId: 0, offset: 99 },
    status: 404,
    code: "not_found",
  },
];

describe("every error path answers its code and changes nothing", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const before = await snapshot();
      const body =
        c.body && typeof c.body === "object"
          ? JSON.parse(JSON.stringify(c.body).replaceAll("<spent>", receipt))
          : c.body;
      const res = await request({ ...c, body });
      expect(res.status).toBe(c.status);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      const answer = (await res.json()) as { error: { code: string; message: string } };
      expect(answer.error.code).toBe(c.code);
      expect(answer.error.message.length).toBeGreaterThan(0);
      expect(await snapshot()).toEqual(before);
    });
  }
});
