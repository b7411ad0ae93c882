import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, expectError, expectOk, ORIGIN, okJson, send } from "./adversarial-support.js";

// docs/protocol.md, "Hostile input": what clients stored is never active
// content on the broker's origin. A Durable Stream's data keeps its content
// type but comes with `X-Content-Type-Options: nosniff` and a CSP whose
// `sandbox` directive grants nothing (an opaque origin without script), on
// every way of reading it; message bodies only ever come inside JSON; the
// console's pages carry no data, so nothing a URL holds is reflected into
// them, and they are served with their own strict CSP.
// (The sign-in page's `next=` and the sandbox in a real browser: test-node/adversarial-console.test.ts.)

/** Content types a browser would run or render if it were allowed to. */
const ACTIVE_TYPES = [
  "text/html",
  "text/html; charset=utf-8",
  "application/xhtml+xml",
  "image/svg+xml",
  "text/xml",
  "application/xml",
  "application/javascript",
  "text/javascript",
  "text/css",
  "application/pdf",
  "multipart/x-mixed-replace; boundary=x",
  "text/plain",
  "application/octet-stream",
  "application/json",
];

const HTML =
  '<!doctype html><script>parent.postMessage(sessionStorage.getItem("edgeq.token"), "*")</script>';

/** The stream path of a content type (one stream per type). */
const pathOf = (type: string) => `/v1/stream/ah-${type.replace(/[^a-z0-9]+/gi, "-")}`;

const directives = (csp: string | null) =>
  (csp ?? "").split(";").map((d) => d.trim().toLowerCase());

/** nosniff, and a CSP whose sandbox directive has no `allow-*` token. */
function expectInert(headers: Headers, what: string): void {
  expect(headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(directives(headers.get("content-security-policy")), what).toContain("sandbox");
}

beforeAll(async () => {
  for (const type of ACTIVE_TYPES) {
    const body = type.includes("json") ? { text: "[1]" } : { text: HTML };
    expectOk(await send("PUT", pathOf(type), { contentType: type, body }), 201);
  }
});

describe("stored stream content is inert on the broker's origin", () => {
  it.each(ACTIVE_TYPES)("GET of a %s stream: its own type, nosniff, sandboxed", async (type) => {
    const read = await send("GET", `${pathOf(type)}?offset=-1`);
    expect(read.status).toBe(200);
    expect(read.headers.get("content-type")?.toLowerCase()).toContain(type.split(";")[0]!);
    expectInert(read.headers, type);
  });

  it.each(ACTIVE_TYPES)("HEAD of a %s stream: nosniff, sandboxed", async (type) => {
    const head = await send("HEAD", pathOf(type));
    expect(head.status).toBe(200);
    expectInert(head.headers, type);
  });

  it.each(ACTIVE_TYPES)(
    "a long-poll of a %s stream with data: nosniff, sandboxed",
    async (type) => {
      const read = await send("GET", `${pathOf(type)}?offset=-1&live=long-poll`);
      expect(read.status).toBe(200);
      expectInert(read.headers, type);
    },
  );

  it.each(ACTIVE_TYPES)(
    "an SSE read of a %s stream: event-stream, nosniff, sandboxed",
    async (type) => {
      const res = await SELF.fetch(`${ORIGIN}${pathOf(type)}?offset=-1&live=sse`, {
        headers: { authorization: ADMIN },
      });
      try {
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
        expectInert(res.headers, type);
      } finally {
        // The connection would stay open for its 60 s: close it.
        await res.body?.cancel();
      }
    },
  );

  it.each(["text/html", "image/svg+xml"])(
    "a fork of a %s stream keeps its type and is sandboxed",
    async (type) => {
      const fork = `${pathOf(type)}-fork`;
      expectOk(await send("PUT", fork, { headers: { "stream-forked-from": pathOf(type) } }), 201);
      const read = await send("GET", `${fork}?offset=-1`);
      expect(read.status).toBe(200);
      expect(read.text).toBe(HTML);
      expect(read.headers.get("content-type")).toContain(type);
      expectInert(read.headers, `fork of ${type}`);
    },
  );

  const errors: Array<[string, string, string, string?]> = [
    ["an unknown stream", "GET", "/v1/stream/ah-nobody?offset=-1"],
    ["an append of another type", "POST", pathOf("text/html"), "text/plain"],
    ["a bad offset", "GET", `${pathOf("text/html")}?offset=zzz`],
    ["a stream path with an empty segment", "PUT", "/v1/stream/ah//x", "text/html"],
  ];
  it.each(errors)(
    "an error answer (%s) is JSON, nosniff, sandboxed",
    async (_l, method, path, type) => {
      const answer = await send(
        method,
        path,
        type ? { contentType: type, body: { text: HTML } } : {},
      );
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expectInert(answer.headers, path);
    },
  );
});

describe("message bodies only ever come inside JSON", () => {
  const TOPIC = "ah-messages";
  const bodies: Array<[string, Record<string, unknown>]> = [
    ["an HTML string body", { body: HTML, key: "html" }],
    ["HTML bytes as base64", { body: btoa(HTML), encoding: "base64", key: "html" }],
    [
      "an HTML header value",
      { body: 1, key: "html", headers: { "content-type": "text/html", x: HTML } },
    ],
  ];
  let msgIds: string[] = [];
  beforeAll(async () => {
    expectOk(await send("PUT", `/v1/topics/${TOPIC}`, { body: { json: { queueCount: 1 } } }), 201);
    const sent = okJson<{ results: Array<{ msgId: string }> }>(
      await send("POST", `/v1/topics/${TOPIC}/messages`, {
        body: { json: { messages: bodies.map(([, m]) => m) } },
      }),
    );
    msgIds = sent.results.map((r) => r.msgId);
  });

  it.each(bodies.map(([label], i) => [label, i] as const))("%s by id", async (_l, i) => {
    const got = await send("GET", `/v1/topics/${TOPIC}/messages/${msgIds[i]}`);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toMatch(/^application\/json/);
  });

  const reads: Array<[string, string, string, unknown?]> = [
    ["a read by offset", "GET", `/v1/topics/${TOPIC}/queues/0/messages?from=0`],
    ["a query by key", "GET", `/v1/topics/${TOPIC}/messages?key=html`],
    ["a lease", "POST", `/v1/topics/${TOPIC}/groups/ah-g/receive`, { max: 10, visibilityMs: 1 }],
    [
      "a Cloudflare pull",
      "POST",
      `/v1/cf/accounts/a/queues/${TOPIC}/messages/pull`,
      { batch_size: 10, visibility_timeout_ms: 1 },
    ],
  ];
  it.each(reads)("%s", async (_l, method, path, json) => {
    const got = await send(method, path, json === undefined ? {} : { body: { json } });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toMatch(/^application\/json/);
    // The answer holds the bodies, as JSON data.
    expect(got.text.length).toBeGreaterThan(HTML.length / 2);
  });
});

describe("the console's pages", () => {
  const pages = [
    "/console",
    "/console/sign-in",
    "/console/topics/orders",
    "/console/topics/orders/messages",
    "/console/topics/orders/transactions",
    "/console/topics/orders/groups/billing/dead-letters",
  ];
  it.each(pages)("%s: a strict CSP of its own, never framed, nosniff", async (path) => {
    const page = await send("GET", path, { auth: null });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = directives(page.headers.get("content-security-policy"));
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");
    const script =
      csp.find((d) => d.startsWith("script-src")) ?? csp.find((d) => d.startsWith("default-src"));
    expect(script).toMatch(/'self'/);
    expect(script).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
  });

  const payloads = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "</title><script>alert(1)</script>",
  ];
  const places: Array<[string, (p: string) => string]> = [
    ["a topic", (p) => `/console/topics/${encodeURIComponent(p)}`],
    ["a group", (p) => `/console/topics/orders/groups/${encodeURIComponent(p)}/dead-letters`],
    ["the sign-in page's next=", (p) => `/console/sign-in?next=${encodeURIComponent(p)}`],
    ["the sign-in page's reason=", (p) => `/console/sign-in?reason=${encodeURIComponent(p)}`],
  ];
  const cases = places.flatMap(([place, at]) =>
    payloads.map((p) => [`${p} in ${place}`, at(p), p] as const),
  );
  it.each(cases)("%s is not reflected", async (_l, path, payload) => {
    const page = await send("GET", path, { auth: null });
    expect(page.status).toBeLessThan(500);
    expect(page.text).not.toContain(payload);
    for (const [, value] of page.headers) expect(value).not.toContain(payload);
  });
});

it("a stream that is not there is a 404 like any other, and the API answers JSON", async () => {
  expectError(await send("GET", "/v1/stream/ah-missing?offset=-1"), 404, "not_found");
  const topics = await send("GET", "/v1/topics");
  expect(topics.headers.get("content-type")).toMatch(/^application\/json/);
});
