import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";
import { get, headers, post, url } from "./api.js";

type Bodies = { messages: Array<{ body: unknown; expiresAt?: number }> };

it("never delivers a message after its expiresAt: lease mode dead-letters it as `expired`, reads leave it out", async () => {
  // Already past when stored: the broker's clock is what counts.
  const past = Date.now() - 1;
  await post("/single/messages", {
    messages: [{ body: "stale", expiresAt: past }, { body: "fresh" }],
  });

  const leased = await post<Bodies>("/single/groups/expiry/receive", { max: 10 });
  expect(leased.messages.map((m) => m.body)).toEqual(["fresh"]);
  const dead = await get<{ messages: Array<{ reason: string; message: Bodies["messages"][0] }> }>(
    "/single/groups/expiry/dlq",
  );
  expect(dead.messages.map((d) => [d.message.body, d.reason, d.message.expiresAt])).toEqual([
    ["stale", "expired", past],
  ]);

  const read = await get<Bodies>("/single/queues/0/messages?from=0");
  expect(read.messages.map((m) => m.body)).toEqual(["fresh"]);
});

it("refuses an expiresAt that is not a whole number of ms with 400 and stores nothing", async () => {
  const res = await SELF.fetch(url("/single/messages"), {
    method: "POST",
    headers,
    body: JSON.stringify({ messages: [{ body: "ok" }, { body: "x", expiresAt: "soon" }] }),
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({
    error: { code: "invalid_request", message: expect.stringContaining("messages[1].expiresAt") },
  });
  const read = await get<Bodies>("/single/queues/0/messages?from=0");
  expect(read.messages.map((m) => m.body)).not.toContain("ok");
});
