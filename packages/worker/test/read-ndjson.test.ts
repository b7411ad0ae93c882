import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createTopic, get, headers, post, url } from "./api.js";

// The streaming form of a read by offset (docs/protocol.md, "Read by offset"):
// `accept: application/x-ndjson` answers the JSON form's messages one per line,
// the cursor in `edgeq-*-offset` headers. Topics start with `ord` for consumer-token.

interface Page {
  messages: { offset: number; tags?: string[] }[];
  nextOffset: number;
  headOffset: number;
  minOffset: number;
}

const NDJSON = { ...headers, accept: "application/x-ndjson" };

/** Reads the NDJSON form, expects 200, and answers its lines parsed with its cursor. */
async function readNdjson(path: string, token = "admin-token"): Promise<Page> {
  const res = await SELF.fetch(url(path), {
    headers: { ...NDJSON, authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/x-ndjson");
  expect(text === "" || text.endsWith("\n")).toBe(true);
  return {
    messages: text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line)),
    nextOffset: Number(res.headers.get("edgeq-next-offset")),
    headOffset: Number(res.headers.get("edgeq-head-offset")),
    minOffset: Number(res.headers.get("edgeq-min-offset")),
  };
}

/** Stores `count` messages in requests of 500, every third tagged `blue`, some with bytes bodies. */
async function fill(topic: string, count: number, firstN = 0): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => {
    const n = firstN + i;
    return {
      body: n % 7 === 0 ? "aGVsbG8=" : { n, text: `line\n"${n}"` },
      ...(n % 7 === 0 ? { encoding: "base64" } : {}),
      ...(n % 3 === 0 ? { tags: ["blue"] } : { tags: ["red"] }),
      key: `k${n % 5}`,
      headers: { h: String(n) },
    };
  });
  for (let at = 0; at < count; at += 500)
    await post(`/${topic}/messages`, { messages: messages.slice(at, at + 500) });
}

describe("read by offset, NDJSON form", () => {
  it("answers exactly the JSON form's messages and cursor for the same range", async () => {
    await createTopic("ordnd-same");
    await fill("ordnd-same", 60);
    for (const query of ["from=0&limit=25", "from=10&limit=100", "from=59", "from=60"]) {
      const json = await get<Page>(`/ordnd-same/queues/0/messages?${query}`);
      expect(await readNdjson(`/ordnd-same/queues/0/messages?${query}`)).toEqual(json);
    }
    // Bytes bodies travel as the JSON form's base64 with `encoding`.
    const [first] = (await readNdjson("/ordnd-same/queues/0/messages?from=0&limit=1")).messages;
    expect(first).toMatchObject({ offset: 0, body: "aGVsbG8=", encoding: "base64" });
  });

  it("long-polls with waitMs as the JSON form, page by page through the router", async () => {
    await createTopic("ordnd-wait");
    await fill("ordnd-wait", 1200);
    const query = "from=100&limit=1500&waitMs=0";
    const lines = await readNdjson(`/ordnd-wait/queues/0/messages?${query}`);
    expect(lines.messages.map((m) => m.offset)).toEqual(
      Array.from({ length: 1100 }, (_, i) => 100 + i),
    );
    expect(lines).toMatchObject({ nextOffset: 1200, headOffset: 1200, minOffset: 0 });
    expect(await readNdjson("/ordnd-wait/queues/0/messages?from=500&limit=20&waitMs=0")).toEqual(
      await get<Page>("/ordnd-wait/queues/0/messages?from=500&limit=20"),
    );
    // Parked at the head until a message arrives.
    const parked = readNdjson("/ordnd-wait/queues/0/messages?from=1200&waitMs=20000");
    await post("/ordnd-wait/messages", { messages: [{ body: { late: true } }] });
    const woken = await parked;
    expect(woken.messages).toMatchObject([{ offset: 1200, body: { late: true } }]);
    expect(woken.nextOffset).toBe(1201);
  });

  it("reads a replicated topic's primary, as the JSON form", async () => {
    await createTopic("ordnd-repl", {
      queueCount: 1,
      replication: { replicas: 1, mode: "sync", acks: 1 },
    });
    await fill("ordnd-repl", 30);
    expect(await readNdjson("/ordnd-repl/queues/0/messages?from=5&limit=20")).toEqual(
      await get<Page>("/ordnd-repl/queues/0/messages?from=5&limit=20"),
    );
  });

  it("leaves the JSON form as it was for a client that does not ask", async () => {
    await createTopic("ordnd-plain");
    await fill("ordnd-plain", 3);
    for (const accept of [undefined, "application/json", "*/*", "application/x-ndjsonx"]) {
      const res = await SELF.fetch(url("/ordnd-plain/queues/0/messages?from=0"), {
        headers: accept ? { ...headers, accept } : headers,
      });
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.headers.get("edgeq-next-offset")).toBeNull();
      expect(((await res.json()) as Page).messages).toHaveLength(3);
    }
  });

  it("resumes from its cursor with no gap or duplicate, beyond the JSON form's 1,000", async () => {
    await createTopic("ordnd-resume");
    for (let i = 0; i < 3; i++) await fill("ordnd-resume", 1000, i * 1000);
    const big = await readNdjson("/ordnd-resume/queues/0/messages?from=0&limit=2500");
    expect(big.messages.map((m) => m.offset)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(big).toMatchObject({ nextOffset: 2500, headOffset: 3000, minOffset: 0 });
    const seen: number[] = [];
    let from = 0;
    while (from < 3000) {
      const page = await readNdjson(`/ordnd-resume/queues/0/messages?from=${from}&limit=700`);
      seen.push(...page.messages.map((m) => m.offset));
      from = page.nextOffset;
    }
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    const atHead = await readNdjson("/ordnd-resume/queues/0/messages?from=3000");
    expect(atHead).toEqual({ messages: [], nextOffset: 3000, headOffset: 3000, minOffset: 0 });
  });

  it("filters by tags, its cursor past the skipped messages, as the JSON form", async () => {
    await createTopic("ordnd-tags");
    await fill("ordnd-tags", 1500);
    const json = await get<Page>("/ordnd-tags/queues/0/messages?from=0&limit=100&tags=blue");
    const lines = await readNdjson("/ordnd-tags/queues/0/messages?from=0&limit=100&tags=blue");
    expect(lines).toEqual(json);
    expect(lines.messages.every((m) => m.tags?.includes("blue"))).toBe(true);
    const all = await readNdjson("/ordnd-tags/queues/0/messages?from=0&limit=5000&tags=blue");
    expect(all.messages.map((m) => m.offset)).toEqual(Array.from({ length: 500 }, (_, i) => i * 3));
    expect(all.nextOffset).toBe(1500);
  });

  it("answers the JSON form's errors, as JSON, before any line", async () => {
    await createTopic("ordnd-errors");
    await fill("ordnd-errors", 5);
    for (const path of [
      "/ordnd-errors/queues/0/messages?from=6",
      "/ordnd-errors/queues/0/messages?from=-1",
      "/ordnd-errors/queues/0/messages",
      "/ordnd-errors/queues/9/messages?from=0",
      "/ordnd-none/queues/0/messages?from=0",
    ]) {
      const json = await SELF.fetch(url(path), { headers });
      const ndjson = await SELF.fetch(url(path), { headers: NDJSON });
      expect(json.status).toBeGreaterThanOrEqual(400);
      expect(ndjson.status).toBe(json.status);
      expect(ndjson.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await ndjson.json()).toEqual(await json.json());
    }
    // The streaming form's own bound on `limit` (10,000), refused the same way.
    for (const limit of [0, 10_001]) {
      const over = await SELF.fetch(url(`/ordnd-errors/queues/0/messages?from=0&limit=${limit}`), {
        headers: NDJSON,
      });
      expect(over.status).toBe(400);
      expect(await over.json()).toEqual({
        error: {
          code: "invalid_request",
          field: "limit",
          message: "limit must be an integer from 1 to 10000",
        },
      });
    }
  });

  it("needs consume: a consume grant reads, a produce-only grant is 403, no token 401", async () => {
    await createTopic("ordnd-grants");
    await fill("ordnd-grants", 2);
    const read = await readNdjson("/ordnd-grants/queues/0/messages?from=0", "consumer-token");
    expect(read.messages).toHaveLength(2);
    const produceOnly = await SELF.fetch(url("/orders/queues/0/messages?from=0"), {
      headers: { ...NDJSON, authorization: "Bearer producer-token" },
    });
    expect(produceOnly.status).toBe(403);
    expect(produceOnly.headers.get("content-type")).toMatch(/^application\/json/);
    const anonymous = await SELF.fetch(url("/ordnd-grants/queues/0/messages?from=0"), {
      headers: { accept: "application/x-ndjson" },
    });
    expect(anonymous.status).toBe(401);
  });
});
