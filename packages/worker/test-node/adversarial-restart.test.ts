import { expect, it } from "vitest";
import { persistedBroker } from "./persisted-broker.js";

// docs/protocol.md, "Hostile input", across a real restart (a new workerd
// over the same persisted directory, as test-node/restart.test.ts does):
// topics, groups, producers, headers and streams named after JavaScript
// object members (`__proto__`, `constructor`, `toString`, …) are stored like
// `orders`, and after the restart they and every other topic, group and
// stream answer exactly as before; a deleted one stays deleted.

const TOKENS = { "t-admin": [{ topics: "*", rights: ["produce", "consume", "admin"] }] };
// A seed named after an object member too (`valueOf`), beside two ordinary ones.
const TOPICS = JSON.parse(
  '{"orders": {"queueCount": 2}, "events": {"queueCount": 1}, "valueOf": {"queueCount": 1}}',
);
const HOSTILE_TOPICS = ["__proto__", "constructor", "toString"];
const HOSTILE_GROUPS = ["__proto__", "constructor", "toString", "hasOwnProperty"];
const STREAMS = ["__proto__", "constructor/toString", "plain"];
const ALL_TOPICS = ["orders", "events", "valueOf", ...HOSTILE_TOPICS];

const local = persistedBroker({ tokens: TOKENS, topics: TOPICS });

interface Answer {
  status: number;
  text: string;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<Answer> {
  const res = await fetch(`${local.broker!.url}${path}`, {
    method,
    headers: {
      authorization: "Bearer t-admin",
      ...(body === undefined ? {} : { "content-type": contentType }),
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

async function ok<T>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
  const answer = await call(method, path, body);
  expect(answer.status, `${method} ${path}: ${answer.text.slice(0, 300)}`).toBe(status);
  return (answer.text === "" ? undefined : JSON.parse(answer.text)) as T;
}

interface Stats {
  groups: Record<string, { committedOffsets: Record<string, number>; inFlight: number }>;
}

/** What every tenant answers: the topic list, each topic's stats, each group's offsets, each stream's data. */
async function everything(): Promise<string[]> {
  const parts = [(await call("GET", "/v1/topics?limit=1000")).text];
  for (const topic of ALL_TOPICS)
    parts.push(`${topic}: ${(await call("GET", `/v1/topics/${topic}/stats`)).text}`);
  for (const group of HOSTILE_GROUPS)
    parts.push(
      `orders/${group}: ${(await call("GET", `/v1/topics/orders/groups/${group}/offsets`)).text}`,
    );
  for (const stream of STREAMS) {
    const read = await call("GET", `/v1/stream/${stream}?offset=-1`);
    parts.push(`${stream}: ${read.status} ${read.text}`);
  }
  return parts;
}

const produce = (topic: string, producerId: string, seq: number) =>
  ok<{ results: Array<{ status: string; msgId: string }> }>(
    "POST",
    `/v1/topics/${topic}/messages`,
    {
      producerId,
      messages: [
        {
          seq,
          body: { [topic]: seq },
          key: `k${seq}`,
          headers: JSON.parse('{"__proto__": "h", "constructor": "c"}'),
        },
      ],
    },
  ).then((r) => r.results[0]!);

it("topics, groups, producers and streams named after object members survive a restart, and so does everyone else", async () => {
  await local.restart();
  for (const topic of HOSTILE_TOPICS)
    await ok("PUT", `/v1/topics/${topic}`, { queueCount: 2 }, 201);
  const first = new Map<string, string>();
  for (const topic of ALL_TOPICS) {
    for (const seq of [1, 2, 3]) {
      const sent = await produce(topic, "__proto__", seq);
      expect(sent.status).toBe("stored");
      if (seq === 1) first.set(topic, sent.msgId);
    }
  }
  for (const group of HOSTILE_GROUPS) {
    // Each group leases one message for an hour, acks another and commits an offset.
    const leased = await ok<{ messages: Array<{ receipt: string }> }>(
      "POST",
      `/v1/topics/orders/groups/${group}/receive`,
      {
        max: 2,
        visibilityMs: 3_600_000,
      },
    );
    expect(leased.messages).toHaveLength(2);
    await ok("POST", `/v1/topics/orders/groups/${group}/ack`, {
      receipts: [leased.messages[0]!.receipt],
    });
  }
  await ok("POST", "/v1/topics/__proto__/groups/constructor/receive", {
    max: 1,
    visibilityMs: 3_600_000,
  });
  for (const stream of STREAMS) {
    const created = await call("PUT", `/v1/stream/${stream}`, `stored in ${stream}`, "text/plain");
    expect(created.status).toBe(201);
  }
  const stats = await ok<Stats>("GET", "/v1/topics/orders/stats");
  expect(Object.keys(stats.groups).sort()).toEqual([...HOSTILE_GROUPS].sort());
  const before = await everything();

  await local.restart();

  expect(await everything()).toEqual(before);
  for (const topic of ALL_TOPICS) {
    // Producer `__proto__`'s window came back: its retry is a duplicate of the first send.
    const again = await produce(topic, "__proto__", 1);
    expect(again).toMatchObject({ status: "duplicate", msgId: first.get(topic) });
    const message = await ok<{ headers: Record<string, string> }>(
      "GET",
      `/v1/topics/${topic}/messages/${first.get(topic)}`,
    );
    expect(Object.entries(message.headers)).toEqual([
      ["__proto__", "h"],
      ["constructor", "c"],
    ]);
    expect((await produce(topic, "after-restart", 1)).status).toBe("stored");
  }
  for (const group of HOSTILE_GROUPS) {
    // 4 on orders now (3, and 1 after the restart): one acked and one still leased for the hour.
    const next = await ok<{ messages: unknown[] }>(
      "POST",
      `/v1/topics/orders/groups/${group}/receive`,
      {
        max: 10,
        visibilityMs: 3_600_000,
      },
    );
    expect(next.messages).toHaveLength(2);
  }

  // Deleting the hostile ones touches nobody else, and stays done across another restart.
  await ok("DELETE", "/v1/topics/__proto__", undefined, 204);
  await ok("DELETE", "/v1/topics/orders/groups/constructor", undefined, 204);
  await ok("DELETE", "/v1/stream/__proto__", undefined, 204);
  const left = await everything();
  await local.restart();
  expect(await everything()).toEqual(left);
  expect((await call("GET", "/v1/topics/__proto__")).status).toBe(404);
  const after = await ok<Stats>("GET", "/v1/topics/orders/stats");
  expect(Object.keys(after.groups).sort()).toEqual(["__proto__", "hasOwnProperty", "toString"]);
  for (const topic of ["orders", "events", "valueOf", "constructor", "toString"])
    expect((await produce(topic, "last", 1)).status).toBe("stored");
});
