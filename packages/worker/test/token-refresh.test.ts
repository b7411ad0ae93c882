import { SELF } from "cloudflare:test";
import {
  EdgeqError,
  type FetchLike,
  HttpTransport,
  type Message,
  type TokenRequest,
} from "@edgeq/core";
import { DurableProducer, type SyncState } from "@edgeq/core/durable";
import { openMemoryStore } from "@edgeq/core/store";
import { flushed } from "@edgeq/core/testing";
import { expect, it } from "vitest";
import { mintJwt, nowS } from "./jwt-tokens.js";

/** The statuses the broker answered, in order, through a fetch that records them. */
function recordingFetch(): { fetch: FetchLike; statuses: number[] } {
  const statuses: number[] = [];
  const fetch: FetchLike = async (url, init) => {
    const res = await SELF.fetch(url, init);
    statuses.push(res.status);
    return res;
  };
  return { fetch, statuses };
}

/** Expired well beyond the broker's 60 s clock skew. */
const expiredJwt = (sub: string) => mintJwt({ claims: { sub, exp: nowS() - 3600 } });

/** The seqs of a producer's messages in `orders`, read from every queue. */
async function producedBy(producerId: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const queueId of [0, 1, 2, 3]) {
    const res = await SELF.fetch(
      `https://edgeq.test/v1/topics/orders/queues/${queueId}/messages?from=0&limit=1000`,
      { headers: { authorization: "Bearer admin-token" } },
    );
    expect(res.status).toBe(200);
    const { messages } = (await res.json()) as { messages: Array<Message> };
    seqs.push(...messages.filter((m) => m.producerId === producerId).map((m) => m.seq ?? 0));
  }
  return seqs.sort((a, b) => a - b);
}

it("a token function refused with 401 is asked for a fresh token, and the request goes once more", async () => {
  const { fetch, statuses } = recordingFetch();
  const asked: TokenRequest[] = [];
  let current = await expiredJwt("refresh-alice");
  const transport = new HttpTransport({
    url: "https://edgeq.test",
    fetch,
    token: async (request) => {
      asked.push(request);
      if (request.refresh) current = await mintJwt({ claims: { sub: "refresh-alice" } });
      return current;
    },
  });
  const sent = await transport.send("orders", {
    producerId: "refresh-1",
    messages: [{ body: 1, seq: 1 }],
  });
  expect(sent.map((r) => r.status)).toEqual(["stored"]);
  expect(statuses).toEqual([401, 200]);
  expect(asked).toEqual([{ refresh: false }, { refresh: true }]);
  // The fresh token is the function's to keep: the next request uses it at once.
  await transport.send("orders", { producerId: "refresh-1", messages: [{ body: 2, seq: 2 }] });
  expect(statuses).toEqual([401, 200, 200]);
  expect(await producedBy("refresh-1")).toEqual([1, 2]);
});

it("a refresh that yields the same refused token fails with unauthorized after one request", async () => {
  const { fetch, statuses } = recordingFetch();
  const stale = await expiredJwt("refresh-bob");
  const transport = new HttpTransport({ url: "https://edgeq.test", fetch, token: () => stale });
  await expect(
    transport.send("orders", { producerId: "refresh-2", messages: [{ body: 1, seq: 1 }] }),
  ).rejects.toMatchObject({ code: "unauthorized", details: { reason: "exp" } });
  expect(statuses).toEqual([401]);
  expect(await producedBy("refresh-2")).toEqual([]);
});

it("a durable producer whose token cannot be refreshed pauses, and resumes without loss or duplicates", async () => {
  const { fetch, statuses } = recordingFetch();
  let signedIn = false;
  let current = await expiredJwt("refresh-carol");
  const token = async ({ refresh }: TokenRequest) => {
    if (!refresh) return current;
    // The app's session is gone (signed out): no fresh token until the person signs in.
    if (!signedIn) throw new EdgeqError("unauthorized", "signed out");
    current = await mintJwt({ claims: { sub: "refresh-carol" } });
    return current;
  };
  const states: SyncState[] = [];
  let onPaused = () => {};
  const paused = new Promise<void>((resolve) => {
    onPaused = resolve;
  });
  const producer = await DurableProducer.open(await openMemoryStore(), {
    topic: "orders",
    transport: new HttpTransport({ url: "https://edgeq.test", fetch, token }),
    hooks: {
      state: (state) => {
        states.push(state);
        if (state === "paused") onPaused();
      },
    },
  });
  await producer.send([{ body: 1 }, { body: 2 }, { body: 3 }]);
  producer.start();
  await paused;
  expect(statuses).toEqual([401]);
  expect(await producer.stats()).toMatchObject({ pending: 3, acknowledged: 0, deadLetters: 0 });

  signedIn = true;
  producer.resumeAuth();
  await flushed(producer);
  producer.close();
  expect(statuses).toEqual([401, 401, 200]);
  expect(await producer.stats()).toMatchObject({ pending: 0, acknowledged: 3, deadLetters: 0 });
  expect(await producedBy(producer.producerId)).toEqual([1, 2, 3]);
  expect(states.indexOf("paused")).toBeLessThan(states.lastIndexOf("syncing"));
});
