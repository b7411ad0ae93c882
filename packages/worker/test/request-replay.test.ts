import { SELF } from "cloudflare:test";
import { type FetchLike, HttpTransport } from "@edgeq/core";
import { type CapturedRequest, type ReplayFetch, startRequestReplay } from "@edgeq/core/replay";
import { expect, it } from "vitest";
import { get, headers, post, url } from "./api.js";

/** The Idempotency-Key of every request that went out, in order. */
const sentKeys: string[] = [];
// The Worker's own fetch, as the replay's and the transport's (noting what it sends).
const fetchHere = ((u: string, init: RequestInit) => {
  const key = (init.headers as Record<string, string> | undefined)?.["idempotency-key"];
  if (key) sentKeys.push(key);
  return SELF.fetch(u, init);
}) as unknown;

it("replays captured requests from inside workerd, in order, with their Idempotency-Key", async () => {
  for (const [topic, queueCount] of [
    ["replay-src", 2],
    ["replay-dst", 1],
  ] as const) {
    const res = await SELF.fetch(url(`/${topic}`), {
      method: "PUT",
      headers,
      body: JSON.stringify({ queueCount }),
    });
    expect([200, 201]).toContain(res.status);
  }
  // What a service worker captured: five posts to an API (here the broker's own produce route).
  const captured = (n: number): CapturedRequest => ({
    type: "edgeq.request",
    method: "POST",
    url: url("/replay-dst/messages"),
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ producerId: "replayed", messages: [{ seq: n, body: n }] }),
    idempotencyKey: `key-${n}`,
    capturedAt: 0,
  });
  await post("/replay-src/messages", {
    messages: [1, 2, 3, 4, 5].map((n) => ({ body: captured(n), key: "api.example.com" })),
  });

  const replay = await startRequestReplay(
    new HttpTransport({
      url: "https://edgeq.test",
      token: "admin-token",
      fetch: fetchHere as FetchLike,
    }),
    {
      topic: "replay-src",
      group: "replay",
      headers: { authorization: "Bearer admin-token" },
      fetch: fetchHere as ReplayFetch,
      pollWaitMs: 50,
      onError: () => undefined,
    },
  );
  try {
    await expect
      .poll(async () =>
        (
          await get<{ messages: Array<{ body: number }> }>("/replay-dst/queues/0/messages?from=0")
        ).messages.map((m) => m.body),
      )
      .toEqual([1, 2, 3, 4, 5]);
    expect(sentKeys).toEqual(["key-1", "key-2", "key-3", "key-4", "key-5"]);
  } finally {
    await replay.close();
  }
});
