import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createTopic, get, headers, post, url } from "./api.js";
import { mintJwt } from "./jwt-tokens.js";

// Each test makes its own topic at runtime, so nothing here touches another file's topics.

const call = (method: string, path: string, body?: unknown, h: Record<string, string> = headers) =>
  SELF.fetch(url(path), {
    method,
    headers: h,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

interface Leased {
  body: unknown;
  receipt: string;
}

describe("group settings over HTTP", () => {
  it("ordered: a key's next message waits for the one before it; settings round-trip", async () => {
    await createTopic("gs-ordered");
    await post("/gs-ordered/messages", {
      messages: [
        { body: "a1", key: "a" },
        { body: "a2", key: "a" },
        { body: "b1", key: "b" },
      ],
    });
    const put = await call("PUT", "/gs-ordered/groups/g/settings", { ordered: true });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ settings: { ordered: true } });
    expect(await get("/gs-ordered/groups/g/settings")).toEqual({ settings: { ordered: true } });
    const first = await post<{ messages: Leased[] }>("/gs-ordered/groups/g/receive", { max: 10 });
    expect(first.messages.map((m) => m.body)).toEqual(["a1", "b1"]);
    const stats = await get<{ groups: Record<string, { waiting: number }> }>("/gs-ordered/stats");
    expect(stats.groups.g?.waiting).toBe(1);
    await post("/gs-ordered/groups/g/ack", { receipts: [first.messages[0]!.receipt] });
    const second = await post<{ messages: Leased[] }>("/gs-ordered/groups/g/receive", { max: 10 });
    expect(second.messages.map((m) => m.body)).toEqual(["a2"]);
  });

  it("pause and resume; purge a group's backlog or the whole topic", async () => {
    await createTopic("gs-pause");
    await post("/gs-pause/messages", { messages: [{ body: 1 }, { body: 2 }, { body: 3 }] });
    expect(await post("/gs-pause/groups/g/pause", {})).toEqual({ settings: { paused: true } });
    expect(await post("/gs-pause/groups/g/receive", { max: 10 })).toEqual({ messages: [] });
    expect(await post("/gs-pause/groups/g/resume", {})).toEqual({ settings: {} });
    const got = await post<{ messages: Leased[] }>("/gs-pause/groups/g/receive", { max: 1 });
    expect(got.messages.map((m) => m.body)).toEqual([1]);
    expect(await post("/gs-pause/groups/g/purge", {})).toEqual({ purged: 3 });
    expect(await post("/gs-pause/groups/g/receive", { max: 10 })).toEqual({ messages: [] });
    expect(await post("/gs-pause/purge", {})).toEqual({ purged: 3 });
    const stats = await get<{ queues: Array<{ minOffset: number; headOffset: number }> }>(
      "/gs-pause/stats",
    );
    expect(stats.queues[0]).toMatchObject({ minOffset: 3, headOffset: 3 });
  });

  it("refuses bad settings with 400 naming the field, and changes nothing", async () => {
    await createTopic("gs-bad");
    await call("PUT", "/gs-bad/groups/g/settings", { ordered: true });
    for (const [body, field] of [
      [{ ordered: 1 }, "ordered"],
      [{ flow: { parallelism: 1001 } }, "flow.parallelism"],
      [{ flow: { ratePerSecond: 0 } }, "flow.ratePerSecond"],
      [{ flow: { header: "" } }, "flow.header"],
      [{ nope: true }, "nope"],
      [{ maxRetries: -1 }, "maxRetries"],
    ] as const) {
      const res = await call("PUT", "/gs-bad/groups/g/settings", body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request", field } });
    }
    const notJson = await SELF.fetch(url("/gs-bad/groups/g/settings"), {
      method: "PUT",
      headers,
      body: "{",
    });
    expect(notJson.status).toBe(400);
    expect(await get("/gs-bad/groups/g/settings")).toEqual({ settings: { ordered: true } });
    expect((await call("PUT", "/nope-topic/groups/g/settings", {})).status).toBe(404);
    expect((await call("POST", "/gs-bad/groups/bad%20name/pause", {})).status).toBe(400);
  });

  it("needs admin to change settings, pause or purge; a group-scoped admin only through its groups", async () => {
    await createTopic("gs-auth");
    await post("/gs-auth/messages", { messages: [{ body: 1 }] });
    const scoped = await mintJwt({
      claims: {
        sub: "alice",
        edgeq: [{ topics: "gs-auth", rights: ["consume", "admin"], groups: "user-{sub}-*" }],
      },
    });
    const as = { authorization: `Bearer ${scoped}`, "content-type": "application/json" };
    expect((await call("POST", "/gs-auth/groups/user-alice-x/pause", {}, as)).status).toBe(200);
    expect((await call("POST", "/gs-auth/groups/user-bob-x/pause", {}, as)).status).toBe(403);
    expect((await call("POST", "/gs-auth/purge", {}, as)).status).toBe(403);
    const stats = await get<{ queues: Array<{ headOffset: number; minOffset: number }> }>(
      "/gs-auth/stats",
    );
    expect(stats.queues[0]).toMatchObject({ headOffset: 1, minOffset: 0 });
    expect(await get("/gs-auth/groups/user-bob-x/settings")).toEqual({ settings: {} });
  });
});
