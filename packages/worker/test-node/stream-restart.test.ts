import { expect, it } from "vitest";
import { persistedBroker } from "./persisted-broker.js";

// A Durable Stream across a restart of the runtime (a new workerd over the
// same persisted directory): its data, settings, closed state and producer
// session all come back from the stream's object storage.

const TOKENS = { "t-admin": [{ topics: "*", rights: ["produce", "consume", "admin"] }] };
const auth = { authorization: "Bearer t-admin" };

const local = persistedBroker({ tokens: TOKENS, topics: {} });

async function restart(): Promise<string> {
  await local.restart();
  return `${local.broker!.url.replace(/\/$/, "")}/v1/stream/log`;
}

function append(url: string, body: string, seq: number, epoch = 0, close = false) {
  return fetch(url, {
    method: "POST",
    headers: {
      ...auth,
      "content-type": "application/json",
      "producer-id": "writer",
      "producer-epoch": String(epoch),
      "producer-seq": String(seq),
      ...(close ? { "stream-closed": "true" } : {}),
    },
    body,
  });
}

it("keeps a stream's data, producer session and closed state across a restart", async () => {
  let url = await restart();
  const created = await fetch(url, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/json", "stream-ttl": "3600" },
    body: JSON.stringify([{ n: 0 }]),
  });
  expect(created.status).toBe(201);
  expect((await append(url, JSON.stringify([{ n: 1 }, { n: 2 }]), 0, 1)).status).toBe(200);

  url = await restart();
  // The retry of an acknowledged append is recognised after the restart: nothing twice.
  const retry = await append(url, JSON.stringify([{ n: 1 }, { n: 2 }]), 0, 1);
  expect(retry.status).toBe(204);
  // The older epoch stays fenced.
  const zombie = await append(url, JSON.stringify({ n: 9 }), 5, 0);
  expect(zombie.status).toBe(403);
  expect(zombie.headers.get("producer-epoch")).toBe("1");
  expect((await append(url, JSON.stringify({ n: 3 }), 1, 1, true)).status).toBe(200);

  url = await restart();
  const read = await fetch(`${url}?offset=-1`, { headers: auth });
  expect(await read.json()).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
  expect(read.headers.get("stream-closed")).toBe("true");
  const head = await fetch(url, { method: "HEAD", headers: auth });
  expect(head.headers.get("stream-ttl")).toBe("3600");
  expect(head.headers.get("content-type")).toBe("application/json");
  const late = await append(url, JSON.stringify({ n: 4 }), 2, 1);
  expect(late.status).toBe(409);
  expect(late.headers.get("stream-closed")).toBe("true");
});
