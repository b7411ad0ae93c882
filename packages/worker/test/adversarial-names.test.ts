import { beforeAll, describe, expect, it } from "vitest";
import { expectError, expectOk, okJson, ownKeys, send, snapshot } from "./adversarial-support.js";
import {
  encodeSegment,
  HOSTILE_NAMES,
  hasLoneSurrogate,
  isDotSegment,
  isName,
  utf8Bytes,
} from "./hostile-names.js";

// docs/protocol.md, Conventions and "Hostile input": every hostile name used
// as each kind of name the broker takes from outside. A name the protocol
// accepts works end to end; a refused one is 400 (or, for a path a URL
// resolves away, the 404 of the route it becomes), and either way no other
// topic, group or stream changes.

const SENTINEL = "an-sentinel";
const SENTINEL_GROUP = "an-watch";
const SENTINEL_STREAM = "an-sentinel-stream";
/** Topic of the group, producer, transaction and receipt cases. */
const MAIN = "an-main";
/** Topic whose messages carry the hostile header names, JSON keys, keys and tags. */
const DATA = "an-data";

// The sentinel's stats hold its group's committed offsets, leases and dead letters.
const others = () => snapshot({ topics: [SENTINEL], streams: [SENTINEL_STREAM] });
let baseline: string[];

interface Stored {
  results: Array<{
    status: string;
    msgId: string;
    queueId: number;
    offset?: number;
    txId?: string;
  }>;
  txId?: string;
}
interface Leased {
  msgId: string;
  receipt: string;
  queueId: number;
  offset: number;
}
interface Stats {
  topic: string;
  queues: Array<{ queueId: number; headOffset: number }>;
  groups: Record<string, unknown>;
}
interface WireMessage {
  msgId: string;
  body: unknown;
  key?: string;
  tags?: string[];
  headers?: Record<string, string>;
}

beforeAll(async () => {
  for (const [topic, queueCount] of [
    [SENTINEL, 2],
    [MAIN, 2],
    [DATA, 1],
  ] as const)
    expectOk(await send("PUT", `/v1/topics/${topic}`, { body: { json: { queueCount } } }), 201);
  // The sentinel holds messages, a committed offset and a live lease for a hostile case to disturb.
  expectOk(
    await send("POST", `/v1/topics/${SENTINEL}/messages`, {
      body: { json: { messages: [1, 2, 3, 4].map((n) => ({ body: n, key: `k${n}` })) } },
    }),
  );
  expectOk(
    await send("POST", `/v1/topics/${SENTINEL}/groups/${SENTINEL_GROUP}/receive`, {
      body: { json: { max: 1, visibilityMs: 3_600_000 } },
    }),
  );
  expectOk(
    await send("POST", `/v1/topics/${SENTINEL}/groups/${SENTINEL_GROUP}/offsets`, {
      body: { json: { offsets: { "0": 1 } } },
    }),
  );
  expectOk(
    await send("PUT", `/v1/stream/${SENTINEL_STREAM}`, {
      contentType: "text/plain",
      body: { text: "sentinel" },
    }),
    201,
  );
  expectOk(
    await send("POST", `/v1/topics/${MAIN}/messages`, {
      body: { json: { messages: [{ body: 0 }] } },
    }),
  );
  baseline = await others();
});

/**
 * Runs `use`, then checks every other tenant's state against the one taken
 * before the first case: nothing a case does, accepted or refused, may show
 * there (the sentinel's lease lasts an hour, so its state does not move).
 */
async function leavesOthersAlone(use: () => Promise<void>): Promise<void> {
  await use();
  expect(await others()).toEqual(baseline);
}

type Case = readonly [label: string, name: string];
const cases = (filter: (name: string) => boolean): Case[] =>
  HOSTILE_NAMES.filter((n) => filter(n.name)).map((n) => [n.label, n.name] as const);
/** Names the protocol refuses, with the answer a path holding one gets: 400, or the 404 of the route the URL resolves it to. */
const refusedInPath = (filter: (name: string) => boolean = (n) => !isName(n)) =>
  cases(filter).map(([label, name]) => {
    const resolvedAway = name === "" || isDotSegment(name);
    return [
      label,
      name,
      resolvedAway ? 404 : 400,
      resolvedAway ? "not_found" : "invalid_request",
    ] as const;
  });
const wellFormed = (n: string) => !hasLoneSurrogate(n);

describe("a hostile name as a topic", () => {
  it.each(cases(isName))(
    "%s: create, produce, read, receive, ack, stats, list, delete",
    async (_l, name) => {
      const path = `/v1/topics/${encodeSegment(name)}`;
      await leavesOthersAlone(async () => {
        const created = await send("PUT", path, { body: { json: { queueCount: 2 } } });
        expect(okJson<{ topic: string }>(created, 201).topic).toBe(name);
        expect(okJson<{ topic: string }>(await send("GET", path)).topic).toBe(name);
        const sent = okJson<Stored>(
          await send("POST", `${path}/messages`, {
            body: {
              json: {
                producerId: "p",
                messages: [0, 1].map((seq) => ({ seq, body: seq, key: `k${seq}` })),
              },
            },
          }),
        );
        expect(sent.results.map((r) => r.status)).toEqual(["stored", "stored"]);
        const first = sent.results[0]!;
        const read = okJson<{ messages: WireMessage[] }>(
          await send("GET", `${path}/queues/${first.queueId}/messages?from=0`),
        );
        expect(read.messages.map((m) => m.msgId)).toContain(first.msgId);
        const leased = okJson<{ messages: Leased[] }>(
          await send("POST", `${path}/groups/g/receive`, { body: { json: { max: 10 } } }),
        ).messages;
        expect(leased).toHaveLength(2);
        expectOk(
          await send("POST", `${path}/groups/g/ack`, {
            body: { json: { receipts: leased.map((m) => m.receipt) } },
          }),
        );
        const stats = okJson<Stats>(await send("GET", `${path}/stats`));
        expect(stats.topic).toBe(name);
        expect(stats.queues).toHaveLength(2);
        expect(ownKeys(stats.groups)).toEqual(["g"]);
        const listed = okJson<{ topics: Array<{ topic: string }> }>(
          await send("GET", "/v1/topics?limit=1000"),
        );
        expect(listed.topics.filter((t) => t.topic === name)).toHaveLength(1);
        expectOk(await send("DELETE", path), 204);
        expectError(await send("GET", path), 404, "not_found");
      });
    },
  );

  it.each(refusedInPath())("%s: refused", async (_l, name, status, code) => {
    await leavesOthersAlone(async () => {
      expectError(
        await send("PUT", `/v1/topics/${encodeSegment(name)}`, {
          body: { json: { queueCount: 2 } },
        }),
        status,
        code,
      );
    });
  });
});

describe("a hostile name as a consumer group", () => {
  const groupPath = (name: string) => `/v1/topics/${MAIN}/groups/${encodeSegment(name)}`;
  it.each(cases(isName))("%s: receive, offsets, dead letters, stats, delete", async (_l, name) => {
    const path = groupPath(name);
    await leavesOthersAlone(async () => {
      const got = await send("POST", `${path}/receive`, {
        body: { json: { max: 1, visibilityMs: 3_600_000 } },
      });
      expect(okJson<{ messages: Leased[] }>(got).messages).toHaveLength(1);
      expectOk(await send("POST", `${path}/offsets`, { body: { json: { offsets: { "1": 0 } } } }));
      expect(
        okJson<{ offsets: Record<string, number> }>(await send("GET", `${path}/offsets`)).offsets,
      ).toMatchObject({ "1": 0 });
      expect(okJson<{ messages: unknown[] }>(await send("GET", `${path}/dlq`)).messages).toEqual(
        [],
      );
      const stats = okJson<Stats>(await send("GET", `/v1/topics/${MAIN}/stats`));
      expect(Object.hasOwn(stats.groups, name)).toBe(true);
      expectOk(await send("DELETE", path), 204);
      const after = okJson<Stats>(await send("GET", `/v1/topics/${MAIN}/stats`));
      expect(Object.hasOwn(after.groups, name)).toBe(false);
      expectError(await send("DELETE", path), 404, "not_found");
    });
  });

  it.each(refusedInPath())("%s: refused", async (_l, name, status, code) => {
    await leavesOthersAlone(async () => {
      const before = (await send("GET", `/v1/topics/${MAIN}/stats`)).text;
      expectError(
        await send("POST", `${groupPath(name)}/receive`, { body: { json: { max: 1 } } }),
        status,
        code,
      );
      expectError(await send("DELETE", groupPath(name)), status, code);
      expect((await send("GET", `/v1/topics/${MAIN}/stats`)).text).toBe(before);
    });
  });
});

describe("a hostile name as the Cloudflare pull API's group (?group=)", () => {
  const pull = (name: string) =>
    send("POST", `/v1/cf/accounts/a/queues/${MAIN}/messages/pull?group=${encodeSegment(name)}`, {
      body: { json: { batch_size: 1, visibility_timeout_ms: 3_600_000 } },
    });
  it.each(cases(isName))("%s: pulls", async (_l, name) => {
    await leavesOthersAlone(async () => {
      const result = okJson<{ success: boolean; result: { messages: unknown[] } }>(
        await pull(name),
      );
      expect(result.success).toBe(true);
      expect(result.result.messages).toHaveLength(1);
      expectOk(await send("DELETE", `/v1/topics/${MAIN}/groups/${encodeSegment(name)}`), 204);
    });
  });
  // In a query a dot is no path segment: `.` and `..` are refused like any bad name.
  it.each(cases((n) => !isName(n)))("%s: refused", async (_l, name) => {
    await leavesOthersAlone(async () => {
      const before = (await send("GET", `/v1/topics/${MAIN}/stats`)).text;
      expectError(await pull(name), 400, "invalid_request");
      expect((await send("GET", `/v1/topics/${MAIN}/stats`)).text).toBe(before);
    });
  });
});

describe("a hostile name as a producerId", () => {
  const produce = (name: string) =>
    send("POST", `/v1/topics/${MAIN}/messages`, {
      body: { json: { producerId: name, messages: [{ seq: 1, body: "once" }] } },
    });
  it.each(cases(isName))("%s: stored once, then a duplicate", async (_l, name) => {
    await leavesOthersAlone(async () => {
      const first = okJson<Stored>(await produce(name)).results[0]!;
      expect(first.status).toBe("stored");
      expect(okJson<Stored>(await produce(name)).results[0]).toMatchObject({
        status: "duplicate",
        msgId: first.msgId,
      });
    });
  });
  it.each(cases((n) => !isName(n)))("%s: refused", async (_l, name) => {
    await leavesOthersAlone(async () => {
      const before = (await send("GET", `/v1/topics/${MAIN}/stats`)).text;
      expectError(await produce(name), 400, "invalid_request");
      expect((await send("GET", `/v1/topics/${MAIN}/stats`)).text).toBe(before);
    });
  });
});

describe("a hostile name as a transactional producer and as a txId", () => {
  const decide = (txId: string, topic = MAIN) =>
    send("POST", `/v1/topics/${topic}/transactions/${encodeSegment(txId)}`, {
      body: { json: { action: "commit" } },
    });
  it.each(cases(isName))(
    "%s: an unknown txId is 404; its own transaction commits",
    async (_l, name) => {
      await leavesOthersAlone(async () => {
        expectError(await decide(name), 404, "not_found");
        const half = okJson<Stored>(
          await send("POST", `/v1/topics/${DATA}/messages`, {
            body: {
              json: { producerId: name, transactional: true, messages: [{ seq: 1, body: "half" }] },
            },
          }),
        );
        expect(half.txId).toEqual(expect.any(String));
        expect(okJson<{ state: string }>(await decide(half.txId!, DATA)).state).toBe("committed");
      });
    },
  );
  it.each(refusedInPath())("%s: refused as a txId", async (_l, name, status, code) => {
    await leavesOthersAlone(async () => {
      const before = (await send("GET", `/v1/topics/${MAIN}/stats`)).text;
      expectError(await decide(name), status, code);
      expect((await send("GET", `/v1/topics/${MAIN}/stats`)).text).toBe(before);
    });
  });
});

const STREAM_PREFIX = "an-s/";

/**
 * Durable Streams take any path (docs/protocol.md): 1 to 1,024 characters as
 * sent, no empty or `..` segment, well-formed text. `an-s/.` and `an-s/..`
 * resolve to `an-s/` and the empty path.
 */
const streamAccepts = (name: string) =>
  !(name === "" || isDotSegment(name) || hasLoneSurrogate(name)) &&
  (STREAM_PREFIX + encodeSegment(name)).length <= 1024;

describe("a hostile name as a Durable Stream path", () => {
  const pathOf = (name: string) => `/v1/stream/${STREAM_PREFIX}${encodeSegment(name)}`;
  it.each(cases(streamAccepts))("%s: create, append, read, delete", async (_l, name) => {
    const path = pathOf(name);
    await leavesOthersAlone(async () => {
      expectOk(await send("PUT", path, { contentType: "text/plain", body: { text: "one" } }), 201);
      expectOk(
        await send("POST", path, { contentType: "text/plain", body: { text: "-two" } }),
        204,
      );
      const read = await send("GET", `${path}?offset=-1`);
      expect(read.status).toBe(200);
      expect(read.text).toBe("one-two");
      expectOk(await send("DELETE", path), 204);
      expectError(await send("GET", `${path}?offset=-1`), 404, "not_found");
    });
  });
  it.each(cases((n) => !streamAccepts(n)))("%s: refused", async (_l, name) => {
    await leavesOthersAlone(async () => {
      expectError(
        await send("PUT", pathOf(name), { contentType: "text/plain", body: { text: "one" } }),
        400,
        "invalid_request",
      );
      expectError(await send("GET", `${pathOf(name)}?offset=-1`), 400, "invalid_request");
    });
  });
});

/** Produces one message to DATA. */
const produceData = (message: Record<string, unknown>) =>
  send("POST", `/v1/topics/${DATA}/messages`, { body: { json: { messages: [message] } } });

/** Produces one message to DATA and reads it back by id. */
async function roundTrip(message: Record<string, unknown>): Promise<WireMessage> {
  const { msgId } = okJson<Stored>(await produceData(message)).results[0]!;
  return okJson<WireMessage>(await send("GET", `/v1/topics/${DATA}/messages/${msgId}`));
}

/** DATA's state, which a refused produce must leave as it was. */
const dataState = async () => (await send("GET", `/v1/topics/${DATA}/stats`)).text;

/** A produce to DATA that must be refused and change nothing. */
async function refusedData(message: Record<string, unknown>): Promise<void> {
  await leavesOthersAlone(async () => {
    const before = await dataState();
    expectError(await produceData(message), 400, "invalid_request");
    expect(await dataState()).toBe(before);
  });
}

/** `{[name]: value}` as an own property even for `__proto__` (an object literal would set the prototype). */
const own = (name: string, value: unknown) => Object.fromEntries([[name, value]]);

describe("a hostile name as a message header name", () => {
  const ok = (n: string) => n !== "" && wellFormed(n);
  it.each(cases(ok))("%s: stored as an own key", async (_l, name) => {
    await leavesOthersAlone(async () => {
      const stored = await roundTrip({ body: 1, headers: own(name, "v") });
      expect(Object.entries(stored.headers ?? {})).toEqual([[name, "v"]]);
    });
  });
  it.each(cases(hasLoneSurrogate))("%s: refused", (_l, name) =>
    refusedData({ body: 1, headers: own(name, "v") }),
  );
});

describe("a hostile name as a JSON key in a message body, at depth 1 and 4", () => {
  const bodyOf = (name: string) => ({
    top: own(name, 1),
    deep: { a: { b: own(name, own(name, [name])) } },
  });
  it.each(cases(wellFormed))("%s: stored as sent", async (_l, name) => {
    await leavesOthersAlone(async () => {
      expect(JSON.stringify((await roundTrip({ body: bodyOf(name) })).body)).toBe(
        JSON.stringify(bodyOf(name)),
      );
      // The key stayed data: no other message grew a member of that name.
      expect(ownKeys((await roundTrip({ body: {} })).body)).toEqual([]);
    });
  });
  it.each(cases(hasLoneSurrogate))("%s: refused", (_l, name) =>
    refusedData({ body: bodyOf(name) }),
  );
});

describe("a hostile name as a message key, then queried by key", () => {
  const ok = (n: string) => wellFormed(n) && utf8Bytes(n) >= 1 && utf8Bytes(n) <= 1024;
  it.each(cases(ok))("%s: stored and found", async (_l, name) => {
    await leavesOthersAlone(async () => {
      const stored = await roundTrip({ body: "keyed", key: name });
      expect(stored.key).toBe(name);
      const found = okJson<{ messages: WireMessage[] }>(
        await send("GET", `/v1/topics/${DATA}/messages?key=${encodeSegment(name)}`),
      );
      expect(found.messages.map((m) => m.msgId)).toContain(stored.msgId);
      expect(found.messages.every((m) => m.key === name)).toBe(true);
    });
  });
  it.each(cases((n) => !ok(n)))("%s: refused", (_l, name) =>
    refusedData({ body: "keyed", key: name }),
  );
});

describe("a hostile name as a tag", () => {
  // Tags are 1 to 128 characters (the core's limit; docs/protocol.md says only "≤ 32 strings").
  const ok = (n: string) => wellFormed(n) && n.length >= 1 && n.length <= 128;
  it.each(cases(ok))("%s: stored", async (_l, name) => {
    await leavesOthersAlone(async () => {
      expect((await roundTrip({ body: "tagged", tags: [name] })).tags).toEqual([name]);
    });
  });
  it.each(cases((n) => !ok(n)))("%s: refused", (_l, name) =>
    refusedData({ body: "tagged", tags: [name] }),
  );
});

describe("a hostile name as a receipt", () => {
  // Receipts are 1 to 256 characters of well-formed text; one nobody issued is unknown.
  const wellShaped = (n: string) => wellFormed(n) && n.length >= 1 && n.length <= 256;
  const ack = (name: string) =>
    send("POST", `/v1/topics/${MAIN}/groups/g-receipts/ack`, {
      body: { json: { receipts: [name] } },
    });
  const table = [
    ...cases(wellShaped).map(
      ([label, name]) => [`${label}: unknown`, name, 404, "not_found"] as const,
    ),
    ...cases((n) => !wellShaped(n)).map(
      ([label, name]) => [`${label}: malformed`, name, 400, "invalid_request"] as const,
    ),
  ];
  it.each(table)("%s", async (_l, name, status, code) => {
    await leavesOthersAlone(async () => {
      const before = (await send("GET", `/v1/topics/${MAIN}/stats`)).text;
      expectError(await ack(name), status, code);
      expect((await send("GET", `/v1/topics/${MAIN}/stats`)).text).toBe(before);
    });
  });
});

describe("a hostile name as a queue id in an offsets commit", () => {
  // Queue ids are non-negative integers: anything else is a malformed field, not an unknown queue.
  it.each(cases(() => true))("%s: 400", async (_l, name) => {
    await leavesOthersAlone(async () => {
      const before = (await send("GET", `/v1/topics/${MAIN}/stats`)).text;
      const committed = await send("POST", `/v1/topics/${MAIN}/groups/g-offsets/offsets`, {
        body: { json: { offsets: own(name, 0) } },
      });
      expectError(committed, 400, "invalid_request");
      expect((await send("GET", `/v1/topics/${MAIN}/stats`)).text).toBe(before);
    });
  });
});
