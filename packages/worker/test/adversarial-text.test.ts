import { beforeAll, describe, expect, it } from "vitest";
import {
  type Answer,
  type Body,
  errorOf,
  expectError,
  expectOk,
  fieldOf,
  okJson,
  send,
  snapshot,
} from "./adversarial-support.js";
import { encodeSegment } from "./hostile-names.js";

// docs/protocol.md, Conventions ("Text", the error table) and "Hostile
// input": bodies must be well-formed UTF-8, every string in them well-formed
// Unicode (object keys at any depth included, raw or as `\uD800` escapes),
// paths and queries too; the content type is application/json exactly
// (parameters allowed); sizes have their limits. A refusal is a 4xx with its
// code (and `field` for text), and nothing changes: not the topic, not the
// topic list, not the sentinel stream.

const TOPIC = "at-main";
const SMALL = "small"; // vitest.config.mts: maxMessageBytes 1024, maxBatchMessages 5
const STREAM = "at-stream";
const state = () =>
  snapshot({
    topics: [TOPIC, SMALL],
    streams: [STREAM],
    paths: [`/v1/topics/${TOPIC}/groups/at-g/settings`],
  });

let receipt = "";
let txId = "";

beforeAll(async () => {
  expectOk(await send("PUT", `/v1/topics/${TOPIC}`, { body: { json: { queueCount: 1 } } }), 201);
  expectOk(
    await send("POST", `/v1/topics/${TOPIC}/messages`, {
      body: {
        json: {
          messages: [
            { body: "a", key: "k" },
            { body: "b", key: "k" },
          ],
        },
      },
    }),
  );
  const leased = okJson<{ messages: Array<{ receipt: string }> }>(
    await send("POST", `/v1/topics/${TOPIC}/groups/at-g/receive`, {
      body: { json: { max: 1, visibilityMs: 3_600_000 } },
    }),
  );
  receipt = leased.messages[0]!.receipt;
  const half = okJson<{ txId: string }>(
    await send("POST", `/v1/topics/${TOPIC}/messages`, {
      body: {
        json: { producerId: "at-tx", transactional: true, messages: [{ seq: 1, body: "half" }] },
      },
    }),
  );
  txId = half.txId;
  expectOk(
    await send("PUT", `/v1/stream/${STREAM}`, { contentType: "text/plain", body: { text: "s" } }),
    201,
  );
});

/** Sends, and checks that a refusal left everything as it was. */
async function refused(
  status: number,
  code: string,
  request: () => Promise<Answer>,
): Promise<Answer> {
  const before = await state();
  const answer = await request();
  expectError(answer, status, code);
  expect(await state()).toEqual(before);
  return answer;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Bytes that are not UTF-8 (RFC 3629). */
const NOT_UTF8: Array<[string, number[]]> = [
  ["0xFF", [0xff]],
  ["a lone continuation byte", [0x80]],
  ["a truncated sequence", [0xc3]],
  ["an overlong '/'", [0xc0, 0xaf]],
  ["a surrogate's bytes (CESU-8)", [0xed, 0xa0, 0x80]],
  ["beyond U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
];

/** JSON routes, each with its JSON text around a string where the hostile text goes. */
const JSON_ROUTES: Array<{ name: string; method: string; path: string; around: [string, string] }> =
  [
    {
      name: "produce",
      method: "POST",
      path: `/v1/topics/${TOPIC}/messages`,
      around: ['{"messages":[{"body":"', '"}]}'],
    },
    {
      name: "create a topic",
      method: "PUT",
      path: "/v1/topics/at-created",
      around: ['{"queueCount":1,"retentionMs":1000000,"x":"', '"}'],
    },
    {
      name: "receive",
      method: "POST",
      path: `/v1/topics/${TOPIC}/groups/at-r/receive`,
      around: ['{"max":1,"tags":["', '"]}'],
    },
    {
      name: "commit offsets",
      method: "POST",
      path: `/v1/topics/${TOPIC}/groups/at-o/offsets`,
      around: ['{"offsets":{"0":1},"x":"', '"}'],
    },
    {
      name: "ack",
      method: "POST",
      path: `/v1/topics/${TOPIC}/groups/at-g/ack`,
      around: ['{"receipts":["', '"]}'],
    },
    {
      name: "decide a transaction",
      method: "POST",
      path: `/v1/topics/${TOPIC}/transactions/TX`,
      around: ['{"action":"commit","x":"', '"}'],
    },
    {
      name: "Cloudflare pull",
      method: "POST",
      path: `/v1/cf/accounts/a/queues/${TOPIC}/messages/pull`,
      around: ['{"batch_size":1,"x":"', '"}'],
    },
    {
      name: "replace group settings",
      method: "PUT",
      path: `/v1/topics/${TOPIC}/groups/at-g/settings`,
      around: ['{"flow":{"header":"', '"}}'],
    },
    {
      name: "Cloudflare publish",
      method: "POST",
      path: `/v1/cf/accounts/a/queues/${TOPIC}/messages`,
      around: ['{"content_type":"text","body":"', '"}'],
    },
    {
      name: "Cloudflare consumer settings",
      method: "POST",
      path: `/v1/cf/accounts/a/queues/${TOPIC}/consumers`,
      around: ['{"type":"http_pull","consumer_name":"at-g","dead_letter_queue":"', '"}'],
    },
  ];
/** Fills in what `beforeAll` made: a pending transaction, a live receipt (a refusal must leave both as they are). */
const pathOf = (text: string) => text.replace("TX", txId).replace("RECEIPT", receipt);

describe("a body that is not UTF-8 is 400, never stored as U+FFFD", () => {
  const cases = JSON_ROUTES.flatMap((r) =>
    NOT_UTF8.map(([label, bytes]) => [`${r.name}: ${label}`, r, bytes] as const),
  );
  it.each(cases)("%s", async (_l, route, bytes) => {
    const [head, tail] = route.around.map(pathOf);
    const body = concat(utf8(head!), new Uint8Array(bytes), utf8(tail!));
    const answer = await refused(400, "invalid_request", () =>
      send(route.method, pathOf(route.path), { body: { bytes: body } }),
    );
    expect(fieldOf(answer)).toBe("body");
  });
});

/** Lone surrogates as JSON escapes (what JSON.stringify writes for one). */
const LONE: Array<[string, string]> = [
  ["a high surrogate", "\\uD800"],
  ["a low surrogate", "\\udc00"],
  ["a reversed pair", "\\uDC00\\uD800"],
  ["a high surrogate at the end", "abc\\uD83D"],
  ["a surrogate after an escaped backslash", "\\\\\\uD800"],
];

/** Where a string sits in a produce request, as JSON text around it. */
const MESSAGE_PLACES: Array<[string, (s: string) => string]> = [
  ["the body", (s) => `{"messages":[{"body":"${s}"}]}`],
  ["an array in the body", (s) => `{"messages":[{"body":[1,["${s}"]]}]}`],
  ["an object key of the body", (s) => `{"messages":[{"body":{"${s}":1}}]}`],
  [
    "an object key 5 deep",
    (s) => `{"messages":[{"body":{"a":{"b":[{"c":{"d":{"${s}":true}}}]}}}]}`,
  ],
  ["the key", (s) => `{"messages":[{"body":1,"key":"${s}"}]}`],
  ["a tag", (s) => `{"messages":[{"body":1,"tags":["ok","${s}"]}]}`],
  ["a header value", (s) => `{"messages":[{"body":1,"headers":{"h":"${s}"}}]}`],
  ["a header name", (s) => `{"messages":[{"body":1,"headers":{"${s}":"v"}}]}`],
  ["the second message's body", (s) => `{"messages":[{"body":1},{"body":"${s}"}]}`],
  [
    "a transactional message",
    (s) => `{"producerId":"at-tx2","transactional":true,"messages":[{"seq":1,"body":"${s}"}]}`,
  ],
];

describe("a lone surrogate anywhere in a message is 400 with field", () => {
  const cases = MESSAGE_PLACES.flatMap(([place, wrap]) =>
    LONE.map(([label, s]) => [`${label} in ${place}`, wrap(s)] as const),
  );
  it.each(cases)("%s", async (_l, text) => {
    const answer = await refused(400, "invalid_request", () =>
      send("POST", `/v1/topics/${TOPIC}/messages`, { body: { text } }),
    );
    expect(String(fieldOf(answer))).toMatch(/^messages\[[01]\]/);
  });
});

describe("a lone surrogate in any other field is 400", () => {
  const places: Array<[string, string, string, (s: string) => string]> = [
    [
      "producerId",
      "POST",
      `/v1/topics/${TOPIC}/messages`,
      (s) => `{"producerId":"p${s}","messages":[{"body":1}]}`,
    ],
    [
      "a receipt",
      "POST",
      `/v1/topics/${TOPIC}/groups/at-g/ack`,
      (s) => `{"receipts":["RECEIPT","${s}"]}`,
    ],
    [
      "an offsets key",
      "POST",
      `/v1/topics/${TOPIC}/groups/at-o/offsets`,
      (s) => `{"offsets":{"${s}":0}}`,
    ],
    [
      "a receive tag",
      "POST",
      `/v1/topics/${TOPIC}/groups/at-r/receive`,
      (s) => `{"max":1,"tags":["${s}"]}`,
    ],
    [
      "a redrive msgId",
      "POST",
      `/v1/topics/${TOPIC}/groups/at-g/dlq/redrive`,
      (s) => `{"msgIds":["${s}"]}`,
    ],
    [
      "a Cloudflare lease_id",
      "POST",
      `/v1/cf/accounts/a/queues/${TOPIC}/messages/ack`,
      (s) => `{"acks":[{"lease_id":"${s}"}]}`,
    ],
    ["a setting's key", "PUT", "/v1/topics/at-created", (s) => `{"queueCount":1,"${s}":1}`],
    [
      "a transaction action",
      "POST",
      `/v1/topics/${TOPIC}/transactions/TX`,
      (s) => `{"action":"commit${s}"}`,
    ],
    [
      "a group's flow header",
      "PUT",
      `/v1/topics/${TOPIC}/groups/at-g/settings`,
      (s) => `{"ordered":true,"flow":{"header":"h${s}"}}`,
    ],
    [
      "a Cloudflare text body",
      "POST",
      `/v1/cf/accounts/a/queues/${TOPIC}/messages`,
      (s) => `{"content_type":"text","body":"${s}"}`,
    ],
    [
      "a key in a Cloudflare batch body",
      "POST",
      `/v1/cf/accounts/a/queues/${TOPIC}/messages/batch`,
      (s) => `{"messages":[{"body":1},{"body":{"a":{"${s}":1}}}]}`,
    ],
    [
      "a Cloudflare consumer's dead-letter queue",
      "POST",
      `/v1/cf/accounts/a/queues/${TOPIC}/consumers`,
      (s) => `{"type":"http_pull","consumer_name":"at-g","dead_letter_queue":"d${s}"}`,
    ],
  ];
  const cases = places.flatMap(([place, method, path, wrap]) =>
    LONE.slice(0, 3).map(([label, s]) => [`${label} in ${place}`, method, path, wrap(s)] as const),
  );
  it.each(cases)("%s", async (_l, method, path, text) => {
    await refused(400, "invalid_request", () =>
      send(method, pathOf(path), { body: { text: pathOf(text) } }),
    );
  });
});

describe("a lone surrogate in a path segment or a query parameter is 400", () => {
  const s = "%ED%A0%80";
  const places: Array<[string, string, string, Body?]> = [
    ["a topic", "PUT", `/v1/topics/at${s}`, { json: { queueCount: 1 } }],
    [
      "a topic to produce to",
      "POST",
      `/v1/topics/at${s}/messages`,
      { json: { messages: [{ body: 1 }] } },
    ],
    ["a group", "POST", `/v1/topics/${TOPIC}/groups/g${s}/receive`, { json: { max: 1 } }],
    ["a group to delete", "DELETE", `/v1/topics/${TOPIC}/groups/g${s}`],
    ["a msgId", "GET", `/v1/topics/${TOPIC}/messages/m${s}`],
    ["a txId", "POST", `/v1/topics/${TOPIC}/transactions/t${s}`, { json: { action: "commit" } }],
    ["a queue id", "GET", `/v1/topics/${TOPIC}/queues/0${s}/messages?from=0`],
    ["a stream path", "PUT", `/v1/stream/at${s}`, { text: "x" }],
    ["a stream to append to", "POST", `/v1/stream/${STREAM}${s}`, { text: "x" }],
    ["?key=", "GET", `/v1/topics/${TOPIC}/messages?key=k${s}`],
    ["?tags=", "GET", `/v1/topics/${TOPIC}/queues/0/messages?from=0&tags=t${s}`],
    ["?producerId=", "GET", `/v1/topics/${TOPIC}/transactions?producerId=p${s}`],
    [
      "?group=",
      "POST",
      `/v1/cf/accounts/a/queues/${TOPIC}/messages/pull?group=g${s}`,
      { json: {} },
    ],
    ["?cursor=", "GET", `/v1/topics?cursor=c${s}`],
    ["a stream's ?offset=", "GET", `/v1/stream/${STREAM}?offset=${s}`],
  ];
  it.each(places)("%s", async (_l, method, path, body) => {
    await refused(400, "invalid_request", () =>
      send(
        method,
        path,
        body ? { body, contentType: "text" in body ? "text/plain" : "application/json" } : {},
      ),
    );
  });
});

describe("a JSON-mode Durable Stream takes the same text rule", () => {
  const JSON_STREAM = "/v1/stream/at-json";
  beforeAll(async () => {
    expectOk(
      await send("PUT", JSON_STREAM, { contentType: "application/json", body: { text: "[1]" } }),
      201,
    );
  });
  const state = async () => (await send("GET", `${JSON_STREAM}?offset=-1`)).text;
  it.each([
    ["a lone surrogate in a value", '["\\uD800"]'],
    ["a lone surrogate in a key", '[{"\\udc00":1}]'],
    ["a reversed pair", '["\\uDC00\\uD800"]'],
  ])("%s is 400 and appends nothing", async (_l, text) => {
    const before = await state();
    expectError(
      await send("POST", JSON_STREAM, { contentType: "application/json", body: { text } }),
      400,
      "invalid_request",
    );
    expect(await state()).toBe(before);
  });
  it.each([
    ["a lone surrogate in a value", "at-json-lone", { text: '["\\uD800"]' }],
    [
      "bytes that are not UTF-8",
      "at-json-bytes",
      { bytes: new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d]) },
    ],
  ] as Array<[string, string, Body]>)(
    "creating a stream with %s is 400",
    async (_l, stream, body) => {
      expectError(
        await send("PUT", `/v1/stream/${stream}`, { contentType: "application/json", body }),
        400,
        "invalid_request",
      );
      expectError(await send("GET", `/v1/stream/${stream}?offset=-1`), 404, "not_found");
    },
  );
});

describe("well-formed text that looks like a surrogate is stored as sent", () => {
  const cases: Array<[string, string, unknown]> = [
    ["an escaped pair", '"\\uD83D\\uDE00"', "😀"],
    ["a raw astral character", '"😀"', "😀"],
    ["an escaped backslash before uD800", '"\\\\uD800"', "\\uD800"],
    ["two escaped backslashes before uD800", '"\\\\\\\\uD800"', "\\\\uD800"],
    ["a key with an escaped pair", '{"\\uD83D\\uDE00":"\\uD83D\\uDE00"}', { "😀": "😀" }],
    ["U+FFFD itself", '"\\uFFFD"', "\uFFFD"],
    ["NUL", '"\\u0000"', "\0"],
  ];
  it.each(cases)("%s", async (_l, bodyText, stored) => {
    const sent = okJson<{ results: Array<{ msgId: string }> }>(
      await send("POST", `/v1/topics/${TOPIC}/messages`, {
        body: { text: `{"messages":[{"body":${bodyText},"key":"wf"}]}` },
      }),
    );
    const got = okJson<{ body: unknown }>(
      await send("GET", `/v1/topics/${TOPIC}/messages/${sent.results[0]!.msgId}`),
    );
    expect(got.body).toEqual(stored);
  });
});

/** Routes with a JSON body: each must take exactly application/json. */
const TYPED_ROUTES: Array<{
  name: string;
  method: string;
  path: (i: number) => string;
  body: unknown;
  ok: number;
}> = [
  {
    name: "produce",
    method: "POST",
    path: () => `/v1/topics/${TOPIC}/messages`,
    body: { messages: [{ body: 1 }] },
    ok: 200,
  },
  {
    name: "create a topic",
    method: "PUT",
    path: (i) => `/v1/topics/at-typed-${i}`,
    body: { queueCount: 1 },
    ok: 201,
  },
  {
    name: "receive",
    method: "POST",
    path: () => `/v1/topics/${TOPIC}/groups/at-typed/receive`,
    body: { max: 1, visibilityMs: 3_600_000 },
    ok: 200,
  },
  {
    name: "commit offsets",
    method: "POST",
    path: () => `/v1/topics/${TOPIC}/groups/at-typed/offsets`,
    body: { offsets: { "0": 0 } },
    ok: 200,
  },
  {
    name: "Cloudflare pull",
    method: "POST",
    path: () => `/v1/cf/accounts/a/queues/${TOPIC}/messages/pull`,
    // Leases outlive the file: none expires between a refusal's two snapshots.
    body: { visibility_timeout_ms: 3_600_000 },
    ok: 200,
  },
];
const ACCEPTED_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json;charset=UTF-8",
];
const REFUSED_TYPES = [
  "application/json-seq",
  "text/json",
  "application/jsonx",
  "application/ld+json",
  "application/x-www-form-urlencoded",
  "text/plain",
  "json",
  "application/json-patch+json",
  "",
];

describe("the content type is application/json exactly, parameters allowed", () => {
  let i = 0;
  const accepted = TYPED_ROUTES.flatMap((r) =>
    ACCEPTED_TYPES.map((t) => [`${r.name} takes ${t}`, r, t] as const),
  );
  it.each(accepted)("%s", async (_l, route, type) => {
    i++;
    const answer = await send(route.method, route.path(i), {
      body: { json: route.body },
      contentType: type,
    });
    expectOk(answer, route.ok);
  });
  const refusedTypes = TYPED_ROUTES.flatMap((r) =>
    [...REFUSED_TYPES, null].map(
      (t) =>
        [`${r.name} refuses ${t === null ? "no content type" : JSON.stringify(t)}`, r, t] as const,
    ),
  );
  it.each(refusedTypes)("%s", async (_l, route, type) => {
    i++;
    // Without a type, the body goes as bytes: fetch would label a string text/plain.
    const body: Body =
      type === null ? { bytes: utf8(JSON.stringify(route.body)) } : { json: route.body };
    await refused(400, "invalid_request", () =>
      send(route.method, route.path(i), { body, contentType: type }),
    );
  });
});

const limitOf = (answer: Answer) => errorOf(answer).limit ?? errorOf(answer).details?.limit;
const produce = (topic: string, json: unknown) => () =>
  send("POST", `/v1/topics/${topic}/messages`, { body: { json } });
/** `{"a":{"a":…1…}}`, `depth` objects deep. */
const nest = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const many = <T>(n: number, make: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => make(i));

describe("sizes: one over each limit is refused, the limit itself is taken", () => {
  const tooLarge: Array<[string, () => Promise<Answer>, number | undefined]> = [
    [
      "a batch of 1,001 messages",
      produce(TOPIC, { messages: many(1001, (i) => ({ body: i })) }),
      1000,
    ],
    [
      "a message of 128 KiB + 1",
      produce(TOPIC, { messages: [{ body: "x".repeat(131_072 - 1) }] }),
      131_072,
    ],
    [
      "a batch over 4 MiB",
      produce(TOPIC, { messages: many(33, () => ({ body: "x".repeat(128_000) })) }),
      4_194_304,
    ],
    [
      "6 messages on a topic of maxBatchMessages 5",
      produce(SMALL, { messages: many(6, (i) => ({ body: i })) }),
      5,
    ],
    [
      "a message over maxMessageBytes 1024",
      produce(SMALL, { messages: [{ body: "x".repeat(1024) }] }),
      1024,
    ],
    [
      "a request body over 5.7 MiB",
      () =>
        send("POST", `/v1/topics/${TOPIC}/messages`, {
          body: { text: `{"messages":[{"body":"${"x".repeat(6 * 1024 * 1024)}"}]}` },
        }),
      undefined,
    ],
  ];
  it.each(tooLarge)("%s → 413", async (_l, request, limit) => {
    const answer = await refused(413, "too_large", request);
    if (limit !== undefined) expect(limitOf(answer)).toBe(limit);
  });

  const invalid: Array<[string, () => Promise<Answer>]> = [
    ["a key of 1,025 bytes", produce(TOPIC, { messages: [{ body: 1, key: "k".repeat(1025) }] })],
    [
      "a key of 513 two-byte characters",
      produce(TOPIC, { messages: [{ body: 1, key: "é".repeat(513) }] }),
    ],
    ["an empty key", produce(TOPIC, { messages: [{ body: 1, key: "" }] })],
    ["33 tags", produce(TOPIC, { messages: [{ body: 1, tags: many(33, (i) => `t${i}`) }] })],
    [
      "65 headers",
      produce(TOPIC, {
        messages: [
          { body: 1, headers: Object.fromEntries(many(65, (i) => [`h${i}`, "v"] as const)) },
        ],
      }),
    ],
    [
      "a header that is not a string",
      produce(TOPIC, { messages: [{ body: 1, headers: { h: 1 } }] }),
    ],
    [
      "a producerId of 129 characters",
      produce(TOPIC, { producerId: "p".repeat(129), messages: [{ body: 1 }] }),
    ],
    [
      "1,001 receipts",
      () =>
        send("POST", `/v1/topics/${TOPIC}/groups/at-g/ack`, {
          body: { json: { receipts: many(1001, (i) => `r${i}`) } },
        }),
    ],
    [
      "a receive of max 1,001",
      () =>
        send("POST", `/v1/topics/${TOPIC}/groups/at-g/receive`, { body: { json: { max: 1001 } } }),
    ],
    [
      "a read of limit 1,001",
      () => send("GET", `/v1/topics/${TOPIC}/queues/0/messages?from=0&limit=1001`),
    ],
    ["a topic list of limit 1,001", () => send("GET", "/v1/topics?limit=1001")],
    ["a topic list of limit 0", () => send("GET", "/v1/topics?limit=0")],
    [
      "a Cloudflare pull of 101",
      () =>
        send("POST", `/v1/cf/accounts/a/queues/${TOPIC}/messages/pull`, {
          body: { json: { batch_size: 101 } },
        }),
    ],
    [
      "a body nested 10,000 deep",
      produce(TOPIC, {
        messages: [{ body: JSON.parse(`${"[".repeat(10_000)}${"]".repeat(10_000)}`) }],
      }),
    ],
    // Deep nesting must be refused before it reaches a Durable Object (RPC's clone has a stack too).
    [
      "settings nested 10,000 deep",
      () =>
        send("PUT", "/v1/topics/at-deep", {
          body: { text: `{"queueCount":1,"rateLimit":${nest(10_000)}}` },
        }),
    ],
    [
      "an unknown setting nested 10,000 deep",
      () =>
        send("PUT", "/v1/topics/at-deep", {
          body: { text: `{"queueCount":1,"x":${nest(10_000)}}` },
        }),
    ],
    [
      "receive tags nested 10,000 deep",
      () =>
        send("POST", `/v1/topics/${TOPIC}/groups/at-g/receive`, {
          body: { text: `{"max":1,"tags":${nest(10_000)}}` },
        }),
    ],
    [
      "redrive msgIds nested 10,000 deep",
      () =>
        send("POST", `/v1/topics/${TOPIC}/groups/at-g/dlq/redrive`, {
          body: { text: `{"msgIds":[${nest(10_000)}]}` },
        }),
    ],
    [
      "group settings nested 10,000 deep",
      () =>
        send("PUT", `/v1/topics/${TOPIC}/groups/at-g/settings`, {
          body: { text: `{"flow":${nest(10_000)}}` },
        }),
    ],
    [
      "a Cloudflare publish body nested 10,000 deep",
      () =>
        send("POST", `/v1/cf/accounts/a/queues/${TOPIC}/messages`, {
          body: { text: `{"body":${nest(10_000)}}` },
        }),
    ],
    [
      "offsets nested 10,000 deep",
      () =>
        send("POST", `/v1/topics/${TOPIC}/groups/at-g/offsets`, {
          body: { text: `{"offsets":${nest(10_000)}}` },
        }),
    ],
  ];
  it.each(invalid)("%s → 400", async (_l, request) => {
    await refused(400, "invalid_request", request);
  });

  const authorization = `Bearer ${"a".repeat(8 * 1024)}`;
  const oversizeAuth: Array<[string, string, string]> = [
    ["produce", "POST", `/v1/topics/${TOPIC}/messages`],
    ["stats", "GET", `/v1/topics/${TOPIC}/stats`],
    ["the topic list", "GET", "/v1/topics"],
    ["a stream read", "GET", `/v1/stream/${STREAM}?offset=-1`],
    ["a Cloudflare pull", "POST", `/v1/cf/accounts/a/queues/${TOPIC}/messages/pull`],
  ];
  it.each(oversizeAuth)(
    "an authorization header over 8 KiB on %s → 400",
    async (_l, method, path) => {
      await refused(400, "invalid_request", () =>
        send(method, path, {
          auth: authorization,
          ...(method === "POST" ? { body: { json: { messages: [{ body: 1 }] } } } : {}),
        }),
      );
    },
  );

  const atTheLimit: Array<[string, unknown]> = [
    ["a key of 1,024 bytes", { messages: [{ body: 1, key: "é".repeat(512) }] }],
    ["32 tags", { messages: [{ body: 1, tags: many(32, (i) => `t${i}`) }] }],
    [
      "64 headers",
      {
        messages: [
          { body: 1, headers: Object.fromEntries(many(64, (i) => [`h${i}`, "v"] as const)) },
        ],
      },
    ],
    ["a producerId of 128 characters", { producerId: "p".repeat(128), messages: [{ body: 1 }] }],
    ["a batch of 1,000 messages", { messages: many(1000, (i) => ({ body: i })) }],
  ];
  it.each(atTheLimit)("%s is taken", async (_l, json) => {
    expectOk(await produce(TOPIC, json)());
  });

  it("a message of exactly maxMessageBytes is taken", async () => {
    // 1024 bytes: the JSON text of the body (a 1022-character string and its quotes).
    expectOk(await produce(SMALL, { messages: [{ body: "x".repeat(1022) }] })());
  });
});

it("a well-formed key with escapes in a query finds its messages", async () => {
  const key = "k é/😀?&=#";
  expectOk(await produce(TOPIC, { messages: [{ body: "found", key }] })());
  const found = okJson<{ messages: Array<{ key: string; body: unknown }> }>(
    await send("GET", `/v1/topics/${TOPIC}/messages?key=${encodeSegment(key)}`),
  );
  expect(found.messages.map((m) => [m.key, m.body])).toEqual([[key, "found"]]);
});
