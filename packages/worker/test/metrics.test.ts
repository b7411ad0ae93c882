import { SELF } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { observeRequests } from "../src/metrics/request-metrics.js";
import { mintJwt } from "./jwt-tokens.js";

const admin = { authorization: "Bearer admin-token", "content-type": "application/json" };
const base = "https://edgeq.test";

async function call<T>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
  const res = await SELF.fetch(`${base}${path}`, {
    method,
    headers: admin,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** `name{labels}` → value, from the text format. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(token = "admin-token"): Promise<Response> {
  return SELF.fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
}

describe("GET /metrics", () => {
  it("counts a known workload: produced, duplicates, delivered, redelivered, acked, dead-lettered, lag", async () => {
    const topic = "met-work";
    await call("PUT", `/v1/topics/${topic}`, { queueCount: 1, maxReconsumeTimes: 1 }, 201);
    const path = `/v1/topics/${topic}`;
    const messages = [1, 2, 3, 4, 5].map((seq) => ({ seq, body: { seq } }));
    await call("POST", `${path}/messages`, { producerId: "p", messages });
    // A producer's retry of seqs 1 and 2: refused as duplicates, stored once.
    await call("POST", `${path}/messages`, { producerId: "p", messages: messages.slice(0, 2) });
    const first = await call<{ messages: Array<{ receipt: string }> }>(
      "POST",
      `${path}/groups/g/receive`,
      { max: 3, visibilityMs: 60_000 },
    );
    expect(first.messages).toHaveLength(3);
    await call("POST", `${path}/groups/g/ack`, {
      receipts: [first.messages[0]!.receipt, first.messages[1]!.receipt],
    });
    // The third fails twice (maxReconsumeTimes 1): one redelivery, then the dead letters.
    await call("POST", `${path}/groups/g/nack`, {
      receipts: [first.messages[2]!.receipt],
      delayMs: 0,
    });
    const again = await call<{ messages: Array<{ receipt: string; deliveryCount: number }> }>(
      "POST",
      `${path}/groups/g/receive`,
      { max: 1, visibilityMs: 60_000, retriesOnly: true },
    );
    expect(again.messages.map((m) => m.deliveryCount)).toEqual([2]);
    await call("POST", `${path}/groups/g/nack`, {
      receipts: [again.messages[0]!.receipt],
      delayMs: 0,
    });

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    const m = samples(text);
    const q = `topic="${topic}",queue="0"`;
    const g = `topic="${topic}",group="g",queue="0"`;
    expect(m.get(`edgeq_messages_produced_total{${q}}`)).toBe(5);
    expect(m.get(`edgeq_messages_duplicate_total{${q}}`)).toBe(2);
    expect(m.get(`edgeq_queue_messages{${q}}`)).toBe(5);
    expect(m.get(`edgeq_messages_delivered_total{${g}}`)).toBe(4);
    expect(m.get(`edgeq_messages_redelivered_total{${g}}`)).toBe(1);
    expect(m.get(`edgeq_messages_acked_total{${g}}`)).toBe(2);
    expect(m.get(`edgeq_messages_dead_lettered_total{${g},reason="max_reconsume_times"}`)).toBe(1);
    expect(m.get(`edgeq_messages_dead_lettered_total{${g},reason="expired"}`)).toBe(0);
    expect(m.get(`edgeq_group_dead_letter_messages{${g}}`)).toBe(1);
    // Offsets 0, 1 acked, 2 dead: the group is at 3, two messages behind the head.
    expect(m.get(`edgeq_group_lag_messages{${g}}`)).toBe(2);
    expect(m.get(`edgeq_group_in_flight_messages{${g}}`)).toBe(0);
    // Every family has its HELP and TYPE once.
    expect(text.match(/^# TYPE edgeq_messages_produced_total counter$/gm)).toHaveLength(1);
    expect(text).toMatch(/^# TYPE edgeq_http_request_duration_seconds histogram$/m);
    // Request series name the route pattern, never the topic in the path.
    expect(text).toMatch(
      /^edgeq_http_requests_total\{route="\/v1\/topics\/:topic\/messages",method="POST",status="200",isolate="[0-9a-f]{8}"\} \d+$/m,
    );
    expect(text).not.toMatch(/route="\/v1\/topics\/met-work/);
  });

  it("keeps totals across a group's later scrapes and counts rate-limited requests", async () => {
    // The `limited` topic's produce bucket holds 3 messages that do not refill during a test.
    for (let i = 0; i < 2; i++) {
      const res = await SELF.fetch(`${base}/v1/topics/limited/messages`, {
        method: "POST",
        headers: admin,
        body: JSON.stringify({ messages: [{ body: i }, { body: i }] }),
      });
      await res.body?.cancel();
    }
    const text = await (await scrape()).text();
    expect(text).toMatch(
      /^edgeq_http_rate_limited_total\{route="\/v1\/topics\/:topic\/messages",topic="limited",isolate="[0-9a-f]{8}"\} [1-9]\d*$/m,
    );
  });

  it("needs admin or metrics: 401 without a token, 403 without either right, a metrics token sees its topics only", async () => {
    expect((await SELF.fetch(`${base}/metrics`)).status).toBe(401);
    const refused = await scrape("producer-token");
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "forbidden" } });
    const token = await mintJwt({ claims: { edgeq: [{ topics: "met-*", rights: ["metrics"] }] } });
    await call("PUT", "/v1/topics/met-seen", { queueCount: 1 }, 201);
    const res = await scrape(token);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('topic="met-seen"');
    expect(text).not.toContain('topic="orders"');
    // The metrics right is for the scrape alone: no stats, no reads.
    const stats = await SELF.fetch(`${base}/v1/topics/met-seen/stats`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(stats.status).toBe(403);
  });
});

describe("GET /v1/topics/{topic}/history", () => {
  it("answers one value a minute, the last one live: produced, lag, delivered, acked per group", async () => {
    const topic = "met-hist";
    await call("PUT", `/v1/topics/${topic}`, { queueCount: 2 }, 201);
    const path = `/v1/topics/${topic}`;
    await call("POST", `${path}/messages`, {
      messages: Array.from({ length: 6 }, (_, i) => ({ body: i, key: `k${i}` })),
    });
    const { messages } = await call<{ messages: Array<{ receipt: string }> }>(
      "POST",
      `${path}/groups/g/receive`,
      { max: 2, visibilityMs: 60_000 },
    );
    await call("POST", `${path}/groups/g/ack`, { receipts: messages.map((m) => m.receipt) });
    const h = await call<{
      topic: string;
      stepMs: number;
      from: number;
      produced: number[];
      groups: Record<string, { lag: number[]; delivered: number[]; acked: number[] }>;
    }>("GET", `${path}/history?minutes=30`);
    expect(h).toMatchObject({ topic, stepMs: 60_000 });
    expect(h.produced).toHaveLength(30);
    expect(h.from + 29 * 60_000).toBeLessThanOrEqual(Date.now());
    expect(h.produced.at(-1)).toBe(6);
    expect(h.groups.g!.delivered.at(-1)).toBe(2);
    expect(h.groups.g!.acked.at(-1)).toBe(2);
    // The stats' lag, at the live minute.
    const stats = await call<{ groups: Record<string, { lag: number }> }>("GET", `${path}/stats`);
    expect(h.groups.g!.lag.at(-1)).toBe(stats.groups.g!.lag);
  });

  it("refuses a bad window (400), a missing token (401), an unknown topic (404)", async () => {
    for (const minutes of ["0", "1501", "x", "1.5"]) {
      const res = await SELF.fetch(`${base}/v1/topics/orders/history?minutes=${minutes}`, {
        headers: admin,
      });
      expect(res.status, minutes).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
    expect((await SELF.fetch(`${base}/v1/topics/orders/history`)).status).toBe(401);
    const unknown = await SELF.fetch(`${base}/v1/topics/met-nowhere/history`, { headers: admin });
    expect(unknown.status).toBe(404);
  });
});

describe("request logs", () => {
  it("writes one JSON line per request: id, route, topic, group, status, duration; no token, query or body", async () => {
    const app = new Hono<{ Bindings: Env }>();
    app.use("*", observeRequests());
    app.post("/v1/topics/:topic/groups/:group/ack", (c) => c.json({ acked: 0 }, 409));
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const res = await app.request(
        "/v1/topics/orders/groups/billing/ack?secret=q",
        {
          method: "POST",
          headers: { authorization: "Bearer s3cret" },
          body: '{"receipts":["r-body"]}',
        },
        {} as Env,
      );
      expect(res.status).toBe(409);
      expect(log).toHaveBeenCalledTimes(1);
      const line = String(log.mock.calls[0]![0]);
      expect(JSON.parse(line)).toMatchObject({
        msg: "request",
        method: "POST",
        route: "/v1/topics/:topic/groups/:group/ack",
        topic: "orders",
        group: "billing",
        status: 409,
        requestId: expect.stringMatching(/.{8,}/),
        durationMs: expect.any(Number),
      });
      for (const secret of ["s3cret", "secret=q", "r-body"]) expect(line).not.toContain(secret);
      await app.request("/x", {}, { EDGEQ_LOG: "off" } as Env);
      expect(log).toHaveBeenCalledTimes(1);
    } finally {
      log.mockRestore();
    }
  });
});
