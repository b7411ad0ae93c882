import { beforeAll, describe, expect, it } from "vitest";
import {
  type Answer,
  type Body,
  errorOf,
  expectError,
  expectOk,
  okJson,
  send,
  snapshot,
} from "./adversarial-support.js";
import { mintJwt, nowS } from "./jwt-tokens.js";

// docs/protocol.md, Auth: every route against every kind of grant. A call the
// grants cover answers as the route does; any other is 403 forbidden (401
// for a token the broker refuses) and changes nothing: not the topic list or
// settings, not the topic's stats, groups or streams. The expectation is the
// documented rule, written here once more on its own: a grant covers a topic
// (`*`, exact, or prefix*) and rights; with `groups` it covers produce, and
// its other rights only through a group that matches (`{sub}` being the
// subject escaped: letters and digits kept, other bytes `_xx`).

type Right = "produce" | "consume" | "admin" | "metrics";
interface Grant {
  topics: string;
  rights: Right[];
  groups?: string;
}

interface Principal {
  id: string;
  grants: Grant[];
  /** `{sub}` as the broker writes it into a group name (docs/protocol.md's examples). */
  escapedSub?: string;
  /** The group this principal's group calls go through. */
  group: string;
  /** A static token, or the claims of a JWT minted in `beforeAll`. */
  token?: string;
  claims?: Record<string, unknown>;
}

const ALL: Right[] = ["produce", "consume", "admin"];
const TOPIC = "ag-main";
const STREAM = "ag-stream";

const jwt = (id: string, grants: Grant[], group: string, sub = id): Principal => ({
  id,
  grants,
  group,
  claims: { sub, edgeq: grants },
});
const subject = (id: string, sub: string, escapedSub: string): Principal => ({
  ...jwt(
    id,
    [{ topics: "ag-*", rights: ALL, groups: "user-{sub}-*" }],
    `user-${escapedSub}-inbox`,
    sub,
  ),
  escapedSub,
});

const PRINCIPALS: Principal[] = [
  {
    id: "static-all",
    token: "admin-token",
    grants: [{ topics: "*", rights: ALL }],
    group: "ag-grp-static-all",
  },
  ...ALL.map((r) => ({
    id: `static-${r}`,
    token: `ag-${r}-token`,
    grants: [{ topics: "ag-*", rights: [r] }],
    group: `ag-grp-static-${r}`,
  })),
  {
    id: "static-groups",
    token: "ag-groups-token",
    grants: [{ topics: "ag-*", rights: ALL, groups: "ag-grp-static-*" }],
    group: "ag-grp-static-g",
  },
  ...ALL.map((r) => jwt(`jwt-${r}`, [{ topics: "ag-*", rights: [r] }], `ag-grp-jwt-${r}`)),
  // A scraper's token: GET /metrics and nothing else.
  jwt("jwt-metrics", [{ topics: "ag-*", rights: ["metrics"] }], "ag-grp-jwt-metrics"),
  ...ALL.map((r) =>
    jwt(
      `jwt-groups-${r}`,
      [{ topics: "ag-*", rights: [r], groups: "ag-grp-*" }],
      `ag-grp-jwt-g-${r}`,
    ),
  ),
  // The grant: admin, scoped to the subject's groups.
  jwt("jwt-groups-all", [{ topics: "ag-*", rights: ALL, groups: "ag-grp-*" }], "ag-grp-jwt-g-all"),
  subject("sub-alice", "alice", "alice"),
  subject("sub-alice-bob", "alice-bob", "alice_2dbob"),
  subject("sub-star", "*", "_2a"),
  subject("sub-email", "a.b@x.io", "a_2eb_40x_2eio"),
];

const matches = (pattern: string, name: string) =>
  pattern === "*" ||
  (pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name);

/** docs/protocol.md, Auth: whether `p` may use `right` on `topic`, through `group` or none. */
function allows(p: Principal, topic: string, right: Right, group?: string): boolean {
  return p.grants.some((g) => {
    if (!matches(g.topics, topic) || !g.rights.includes(right)) return false;
    if (g.groups === undefined) return true;
    if (group === undefined) return right === "produce";
    return matches(g.groups.replace("{sub}", p.escapedSub ?? "\0no subject"), group);
  });
}

interface Route {
  name: string;
  method: string;
  path: (p: Principal, group: string) => string;
  body?: Body;
  /** The body, when it names the principal's group. */
  bodyOf?: (p: Principal, group: string) => Body;
  contentType?: string;
  headers?: Record<string, string>;
  /** What it asks for: a right on a topic (or stream path), through a group or not. */
  access: (p: Principal, group: string) => Array<{ topic: string; right: Right; group?: string }>;
  /** The answer when allowed. */
  ok: number;
  /** Done with the admin token before the call: what the call acts on. */
  prepare?: (p: Principal, group: string) => Promise<void>;
  /** Streams the call could change, beyond the shared one. */
  streams?: (p: Principal) => string[];
  /** Other answers (GET paths) the call could change. */
  watch?: (p: Principal, group: string) => string[];
}

const json = (value: unknown): Body => ({ json: value });
const onTopic = (right: Right) => () => [{ topic: TOPIC, right }];
const throughGroup = (right: Right) => (_p: Principal, group: string) => [
  { topic: TOPIC, right, group },
];
const groupPath = (verb: string) => (_p: Principal, g: string) =>
  `/v1/topics/${TOPIC}/groups/${g}${verb}`;
let msgId = "";

async function prepared(answer: Promise<Answer>, status: number): Promise<void> {
  expectOk(await answer, status);
}

/** Every route of docs/protocol.md that a grant decides. */
const ROUTES: Route[] = [
  {
    name: "produce",
    method: "POST",
    path: () => `/v1/topics/${TOPIC}/messages`,
    body: json({ messages: [{ body: "g" }] }),
    access: onTopic("produce"),
    ok: 200,
  },
  {
    name: "decide a transaction",
    method: "POST",
    path: () => `/v1/topics/${TOPIC}/transactions/nobody-1.0`,
    body: json({ action: "commit" }),
    access: onTopic("produce"),
    ok: 404,
  },
  {
    name: "list transactions",
    method: "GET",
    path: () => `/v1/topics/${TOPIC}/transactions`,
    access: onTopic("produce"),
    ok: 200,
  },
  {
    name: "read by offset",
    method: "GET",
    path: () => `/v1/topics/${TOPIC}/queues/0/messages?from=0`,
    access: onTopic("consume"),
    ok: 200,
  },
  // Not a replicated topic: an allowed replica read is a 400, after the grant let it through.
  {
    name: "read from a replica",
    method: "GET",
    path: () => `/v1/topics/${TOPIC}/queues/0/messages?from=0&replica=0`,
    access: onTopic("consume"),
    ok: 400,
  },
  {
    name: "message by id",
    method: "GET",
    path: () => `/v1/topics/${TOPIC}/messages/${msgId}`,
    access: onTopic("consume"),
    ok: 200,
  },
  {
    name: "query by key",
    method: "GET",
    path: () => `/v1/topics/${TOPIC}/messages?key=k`,
    access: onTopic("consume"),
    ok: 200,
  },
  {
    name: "stats",
    method: "GET",
    path: () => `/v1/topics/${TOPIC}/stats`,
    access: onTopic("consume"),
    ok: 200,
  },
  {
    name: "offsets by time",
    method: "GET",
    path: () => `/v1/topics/${TOPIC}/offsets?at=0`,
    access: onTopic("consume"),
    ok: 200,
  },
  {
    name: "topic history",
    method: "GET",
    path: () => `/v1/topics/${TOPIC}/history?minutes=5`,
    access: onTopic("consume"),
    ok: 200,
  },
  // Not a replicated topic: an allowed promote is a 400, after the grant let it through.
  {
    name: "promote",
    method: "POST",
    path: () => `/v1/topics/${TOPIC}/queues/0/promote`,
    body: json({ replica: 0 }),
    access: onTopic("admin"),
    ok: 400,
  },
  {
    name: "group offsets",
    method: "GET",
    path: groupPath("/offsets"),
    access: throughGroup("consume"),
    ok: 200,
  },
  {
    name: "commit offsets",
    method: "POST",
    path: groupPath("/offsets"),
    body: json({ offsets: { "0": 0 } }),
    access: throughGroup("consume"),
    ok: 200,
  },
  {
    name: "receive",
    method: "POST",
    path: groupPath("/receive"),
    body: json({ max: 1, visibilityMs: 3_600_000 }),
    access: throughGroup("consume"),
    ok: 200,
  },
  {
    name: "ack",
    method: "POST",
    path: groupPath("/ack"),
    body: json({ receipts: ["nobody"] }),
    access: throughGroup("consume"),
    ok: 404,
  },
  {
    name: "nack",
    method: "POST",
    path: groupPath("/nack"),
    body: json({ receipts: ["nobody"] }),
    access: throughGroup("consume"),
    ok: 404,
  },
  {
    name: "extend",
    method: "POST",
    path: groupPath("/extend"),
    body: json({ receipts: ["nobody"], visibilityMs: 1000 }),
    access: throughGroup("consume"),
    ok: 404,
  },
  {
    name: "retry",
    method: "POST",
    path: groupPath("/retry"),
    // Offset 1: the group's receive leased offset 0, and a leased message is nacked, not sent back.
    body: json({ queueId: 0, offset: 1, delayMs: 3_600_000 }),
    access: throughGroup("consume"),
    ok: 200,
  },
  {
    name: "dead letters",
    method: "GET",
    path: groupPath("/dlq"),
    access: throughGroup("consume"),
    ok: 200,
  },
  {
    name: "redrive",
    method: "POST",
    path: groupPath("/dlq/redrive"),
    body: json({ limit: 1 }),
    access: throughGroup("admin"),
    ok: 200,
  },
  {
    name: "delete a group",
    method: "DELETE",
    path: groupPath(""),
    access: throughGroup("admin"),
    ok: 204,
    prepare: (_p, g) =>
      prepared(
        send("POST", `/v1/topics/${TOPIC}/groups/${g}/offsets`, {
          body: json({ offsets: { "0": 1 } }),
        }),
        200,
      ),
  },
  {
    name: "Cloudflare pull, ?group=",
    method: "POST",
    path: (_p, g) => `/v1/cf/accounts/a/queues/${TOPIC}/messages/pull?group=${g}`,
    body: json({ batch_size: 1, visibility_timeout_ms: 3_600_000 }),
    access: throughGroup("consume"),
    ok: 200,
  },
  {
    name: "Cloudflare pull, default group",
    method: "POST",
    path: () => `/v1/cf/accounts/a/queues/${TOPIC}/messages/pull`,
    body: json({ batch_size: 1, visibility_timeout_ms: 3_600_000 }),
    access: () => [{ topic: TOPIC, right: "consume", group: `cf-${TOPIC}` }],
    ok: 200,
  },
  {
    name: "Cloudflare ack",
    method: "POST",
    path: (_p, g) => `/v1/cf/accounts/a/queues/${TOPIC}/messages/ack?group=${g}`,
    body: json({ acks: [{ lease_id: "nobody" }] }),
    access: throughGroup("consume"),
    ok: 200,
  },
  {
    name: "topic settings",
    method: "GET",
    path: () => `/v1/topics/${TOPIC}`,
    access: onTopic("admin"),
    ok: 200,
  },
  {
    name: "replace settings",
    method: "PUT",
    path: () => `/v1/topics/${TOPIC}`,
    body: json({ queueCount: 1 }),
    access: onTopic("admin"),
    ok: 200,
  },
  {
    name: "create a topic",
    method: "PUT",
    path: (p) => `/v1/topics/ag-new-${p.id}`,
    body: json({ queueCount: 1 }),
    access: (p) => [{ topic: `ag-new-${p.id}`, right: "admin" }],
    ok: 201,
  },
  {
    name: "delete a topic",
    method: "DELETE",
    path: (p) => `/v1/topics/ag-del-${p.id}`,
    access: (p) => [{ topic: `ag-del-${p.id}`, right: "admin" }],
    ok: 204,
    prepare: (p) =>
      prepared(send("PUT", `/v1/topics/ag-del-${p.id}`, { body: json({ queueCount: 1 }) }), 201),
  },
  {
    name: "create a stream",
    method: "PUT",
    path: (p) => `/v1/stream/ag-s-${p.id}`,
    contentType: "text/plain",
    body: { text: "x" },
    access: (p) => [{ topic: `ag-s-${p.id}`, right: "produce" }],
    ok: 201,
    streams: (p) => [`ag-s-${p.id}`],
  },
  {
    name: "append to a stream",
    method: "POST",
    path: () => `/v1/stream/${STREAM}`,
    contentType: "text/plain",
    body: { text: "y" },
    access: () => [{ topic: STREAM, right: "produce" }],
    ok: 204,
  },
  {
    name: "read a stream",
    method: "GET",
    path: () => `/v1/stream/${STREAM}?offset=-1`,
    access: () => [{ topic: STREAM, right: "consume" }],
    ok: 200,
  },
  {
    name: "fork a stream",
    method: "PUT",
    path: (p) => `/v1/stream/ag-fork-${p.id}`,
    headers: { "stream-forked-from": `/v1/stream/${STREAM}` },
    access: (p) => [
      { topic: `ag-fork-${p.id}`, right: "produce" },
      { topic: STREAM, right: "consume" },
    ],
    ok: 201,
    streams: (p) => [`ag-fork-${p.id}`],
  },
  {
    name: "delete a stream",
    method: "DELETE",
    path: (p) => `/v1/stream/ag-sdel-${p.id}`,
    access: (p) => [{ topic: `ag-sdel-${p.id}`, right: "admin" }],
    ok: 204,
    prepare: (p) =>
      prepared(
        send("PUT", `/v1/stream/ag-sdel-${p.id}`, {
          contentType: "text/plain",
          body: { text: "z" },
        }),
        201,
      ),
    streams: (p) => [`ag-sdel-${p.id}`],
  },
  // Group settings, keys, pause, purge, discard (docs/protocol.md, "Group settings").
  {
    name: "group settings",
    method: "GET",
    path: groupPath("/settings"),
    access: throughGroup("consume"),
    ok: 200,
  },
  {
    name: "replace group settings",
    method: "PUT",
    path: groupPath("/settings"),
    body: json({ maxRetries: 5 }),
    access: throughGroup("admin"),
    ok: 200,
    watch: (_p, g) => [`/v1/topics/${TOPIC}/groups/${g}/settings`],
  },
  {
    name: "blocked keys",
    method: "GET",
    path: groupPath("/keys"),
    access: throughGroup("consume"),
    ok: 200,
  },
  {
    name: "pause a group",
    method: "POST",
    path: groupPath("/pause"),
    access: throughGroup("admin"),
    ok: 200,
    watch: (_p, g) => [`/v1/topics/${TOPIC}/groups/${g}/settings`],
  },
  {
    name: "resume a group",
    method: "POST",
    path: groupPath("/resume"),
    access: throughGroup("admin"),
    ok: 200,
    watch: (_p, g) => [`/v1/topics/${TOPIC}/groups/${g}/settings`],
  },
  {
    name: "discard dead letters",
    method: "POST",
    path: groupPath("/dlq/discard"),
    body: json({ limit: 1 }),
    access: throughGroup("admin"),
    ok: 200,
  },
  {
    name: "purge a group",
    method: "POST",
    path: groupPath("/purge"),
    access: throughGroup("admin"),
    ok: 200,
  },
  {
    name: "purge a topic",
    method: "POST",
    path: (p) => `/v1/topics/ag-purge-${p.id}/purge`,
    access: (p) => [{ topic: `ag-purge-${p.id}`, right: "admin" }],
    ok: 200,
    prepare: async (p) => {
      await send("PUT", `/v1/topics/ag-purge-${p.id}`, { body: json({ queueCount: 1 }) });
      await prepared(
        send("POST", `/v1/topics/ag-purge-${p.id}/messages`, {
          body: json({ messages: [{ body: 1 }] }),
        }),
        200,
      );
    },
    watch: (p) => [`/v1/topics/ag-purge-${p.id}/stats`],
  },
  // Cloudflare's REST publish and pull consumer settings (docs/protocol.md, "Cloudflare Queues pull API").
  {
    name: "Cloudflare publish",
    method: "POST",
    path: () => `/v1/cf/accounts/a/queues/${TOPIC}/messages`,
    body: json({ body: { n: 1 } }),
    access: onTopic("produce"),
    ok: 200,
  },
  {
    name: "Cloudflare publish a batch",
    method: "POST",
    path: () => `/v1/cf/accounts/a/queues/${TOPIC}/messages/batch`,
    body: json({ messages: [{ body: 1 }, { body: 2 }] }),
    access: onTopic("produce"),
    ok: 200,
  },
  {
    name: "Cloudflare consumer settings",
    method: "POST",
    path: () => `/v1/cf/accounts/a/queues/${TOPIC}/consumers`,
    bodyOf: (_p, g) =>
      json({ type: "http_pull", consumer_name: g, settings: { max_retries: 3, retry_delay: 10 } }),
    access: throughGroup("admin"),
    ok: 200,
    watch: (_p, g) => [`/v1/topics/${TOPIC}/groups/${g}/settings`],
  },
];

/** Groups of other subjects, or outside a scoped grant's pattern: never usable through it. */
const FOREIGN_GROUPS: Record<string, string[]> = {
  "static-groups": ["ag-grp-jwt-x", "ag-grp-static", "ag-other"],
  "jwt-groups-consume": ["ag-grpx", "ag-other"],
  "jwt-groups-admin": ["ag-grpx", "user-alice-inbox"],
  "jwt-groups-all": ["ag-grp", "ag-other"],
  // alice-bob's groups are user-alice_2dbob-…: alice's pattern never reaches them.
  "sub-alice": ["user-alice_2dbob-inbox", "user-alice", "user-alicex-inbox"],
  // …and `user-alice-bob-inbox` is alice's, not alice-bob's.
  "sub-alice-bob": ["user-alice-bob-inbox", "user-alice-inbox"],
  // A subject `*` is no wildcard.
  "sub-star": ["user-alice-inbox", "user--inbox", "user-_2-inbox"],
  "sub-email": ["user-a.b-x.io-inbox", "user-a_2eb-inbox", "user-a-inbox"],
};
const GROUP_ROUTES = [
  "replace group settings",
  "pause a group",
  "purge a group",
  "Cloudflare consumer settings",
  "commit offsets",
  "receive",
  "dead letters",
  "redrive",
  "delete a group",
  "Cloudflare pull, ?group=",
];

const auth = new Map<string, string>();

beforeAll(async () => {
  for (const p of PRINCIPALS)
    auth.set(p.id, `Bearer ${p.token ?? (await mintJwt({ claims: p.claims ?? {} }))}`);
  await prepared(send("PUT", `/v1/topics/${TOPIC}`, { body: json({ queueCount: 1 }) }), 201);
  const sent = okJson<{ results: Array<{ msgId: string }> }>(
    await send("POST", `/v1/topics/${TOPIC}/messages`, {
      body: json({
        messages: [
          { body: "first", key: "k" },
          { body: "second", key: "k" },
        ],
      }),
    }),
  );
  msgId = sent.results[0]!.msgId;
  // A group with a lease and an offset, for a refused call to leave as it is.
  await prepared(
    send("POST", `/v1/topics/${TOPIC}/groups/ag-watch/receive`, {
      body: json({ max: 1, visibilityMs: 3_600_000 }),
    }),
    200,
  );
  await prepared(
    send("PUT", `/v1/stream/${STREAM}`, { contentType: "text/plain", body: { text: "s" } }),
    201,
  );
});

/** What a refused call must leave as it was: the topic list and settings, the topic's stats (every group), its streams. */
// Listed by a consume token (every ag-* topic, without settings: a smaller answer), the topic's settings read apart.
/**
 * What a refused call must leave as it was: the topic list (listed by a
 * consume token: every ag-* topic, without settings, a smaller answer), and
 * what its route acts on: for the topic routes the topic's settings and
 * stats (every group) and any `watch`ed answer; for the stream routes the
 * shared stream and the route's own.
 */
const state = (onStreams: boolean, streams: string[] = [], paths: string[] = []) =>
  snapshot({
    topics: onStreams ? [] : [TOPIC],
    streams: onStreams ? [STREAM, ...streams] : [],
    listAs: "Bearer ag-consume-token",
    settings: onStreams ? [] : [TOPIC],
    paths,
  });
const isStreamRoute = (route: Route) => route.path(PRINCIPALS[0]!, "g").startsWith("/v1/stream/");

interface Case {
  route: Route;
  principal: Principal;
  group: string;
}

const isAllowed = ({ route, principal, group }: Case) =>
  route.access(principal, group).every((a) => allows(principal, a.topic, a.right, a.group));

/**
 * The state the last refused case left, when nothing ran since: the next
 * refused case starts from it instead of reading it again (cases run in
 * order, a file's tests one at a time). Cleared at the start of every case,
 * set only when a refused case ends as it must.
 */
let untouched: { key: string; parts: string[] } | undefined;

async function run(c: Case): Promise<void> {
  const { route, principal, group } = c;
  const streams = route.streams?.(principal) ?? [];
  const paths = route.watch?.(principal, group) ?? [];
  const onStreams = isStreamRoute(route);
  const key = JSON.stringify([onStreams, streams, paths]);
  const last = untouched;
  untouched = undefined;
  await route.prepare?.(principal, group);
  const before =
    !route.prepare && last?.key === key ? last.parts : await state(onStreams, streams, paths);
  const body = route.bodyOf?.(principal, group) ?? route.body;
  const answer = await send(route.method, route.path(principal, group), {
    auth: auth.get(principal.id)!,
    ...(body ? { body } : {}),
    ...(route.contentType ? { contentType: route.contentType } : {}),
    ...(route.headers ? { headers: route.headers } : {}),
  });
  if (isAllowed(c)) {
    expect(answer.status, answer.text.slice(0, 300)).toBe(route.ok);
    return;
  }
  expectError(answer, 403, "forbidden");
  const after = await state(onStreams, streams, paths);
  expect(after).toEqual(before);
  untouched = { key, parts: after };
}

const label = ({ route, principal, group }: Case) =>
  `${route.name} as ${principal.id} through ${group}`;

describe("every route against every kind of grant", () => {
  // Per route, the allowed calls first: the refused ones then follow each other (see `untouched`).
  const cases = ROUTES.flatMap((route) => {
    const all = PRINCIPALS.map((principal) => ({ route, principal, group: principal.group }));
    return [...all.filter(isAllowed), ...all.filter((c) => !isAllowed(c))];
  });
  it.each(cases.map((c) => [label(c), c] as const))("%s", (_l, c) => run(c));
});

describe("a scoped grant through a group outside its pattern", () => {
  const cases = Object.entries(FOREIGN_GROUPS).flatMap(([id, groups]) => {
    const principal = PRINCIPALS.find((p) => p.id === id)!;
    return ROUTES.filter((r) => GROUP_ROUTES.includes(r.name)).flatMap((route) =>
      groups.map((group) => ({ route, principal, group })),
    );
  });
  it.each(cases.map((c) => [label(c), c] as const))("%s", (_l, c) => run(c));
});

describe("GET /v1/topics lists a topic with the rights the token has on it as a whole", () => {
  it.each(PRINCIPALS.map((p) => [p.id, p] as const))("%s", async (_id, p) => {
    const listed = okJson<{
      topics: Array<{ topic: string; rights: Right[]; settings?: unknown }>;
    }>(await send("GET", "/v1/topics?limit=1000", { auth: auth.get(p.id)! }));
    const rights = ALL.filter((r) => allows(p, TOPIC, r));
    const entry = listed.topics.find((t) => t.topic === TOPIC);
    if (rights.length === 0) expect(entry).toBeUndefined();
    else expect(entry).toMatchObject({ rights });
    // Settings only with admin on the topic as a whole.
    expect(entry?.settings !== undefined).toBe(rights.includes("admin"));
    // Nothing outside its grants is named.
    expect(listed.topics.every((t) => ALL.some((r) => allows(p, t.topic, r)))).toBe(true);
  });
});

/** Tokens the broker refuses before any work: 401 with `reason`, on every kind of route. */
const REFUSED_TOKENS: Array<{ name: string; reason: string; claims: Record<string, unknown> }> = [
  { name: "no exp", reason: "exp", claims: { exp: undefined } },
  { name: "edgeq: null", reason: "grants", claims: { edgeq: null } },
  {
    name: "{sub} followed by *",
    reason: "grants",
    claims: { edgeq: [{ topics: "ag-*", rights: ALL, groups: "user-{sub}*" }] },
  },
  {
    name: "{sub} followed by _",
    reason: "grants",
    claims: { edgeq: [{ topics: "ag-*", rights: ALL, groups: "user-{sub}_x" }] },
  },
  {
    name: "{sub} twice",
    reason: "grants",
    claims: { edgeq: [{ topics: "ag-*", rights: ALL, groups: "{sub}-{sub}" }] },
  },
  { name: "an empty sub", reason: "sub", claims: { sub: "" } },
  { name: "a sub of 257 characters", reason: "sub", claims: { sub: "a".repeat(257) } },
  { name: "a sub with a lone surrogate", reason: "sub", claims: { sub: "al\uD800ice" } },
  { name: "expired", reason: "exp", claims: { exp: nowS() - 3600 } },
];
const REFUSED_ROUTES = [
  "produce",
  "stats",
  "receive",
  "replace settings",
  "create a topic",
  "read a stream",
];

describe("a refused JWT", () => {
  const sentinel: Principal = { id: "refused", grants: [], group: "user-alice-inbox" };
  const cases = REFUSED_TOKENS.flatMap((token) =>
    ROUTES.filter((r) => REFUSED_ROUTES.includes(r.name)).map(
      (route) => [`${token.name}: ${route.name}`, token, route] as const,
    ),
  );
  it.each(cases)("%s", async (_l, token, route) => {
    const bearer = `Bearer ${await mintJwt({ claims: { edgeq: [{ topics: "ag-*", rights: ALL }], ...token.claims } })}`;
    const streams = route.streams?.(sentinel) ?? [];
    const before = await state(isStreamRoute(route), streams);
    const answer = await send(route.method, route.path(sentinel, sentinel.group), {
      auth: bearer,
      ...(route.body ? { body: route.body } : {}),
      ...(route.contentType ? { contentType: route.contentType } : {}),
    });
    expectError(answer, 401, "unauthorized");
    expect(errorOf(answer).reason ?? errorOf(answer).details?.reason).toBe(token.reason);
    expect(await state(isStreamRoute(route), streams)).toEqual(before);
  });
});

// A scrape reads the stats of every topic the suites before it created in this isolate:
// seconds on a busy 2-core machine, so more than the default 5 s per test.
describe("GET /metrics: any grant with admin or metrics may scrape, and sees the topics it holds them on as a whole", {
  timeout: 60_000,
}, () => {
  const scrapes = (p: Principal) =>
    p.grants.some((g) => g.rights.includes("admin") || g.rights.includes("metrics"));
  const covers = (p: Principal) => allows(p, TOPIC, "admin") || allows(p, TOPIC, "metrics");
  const cases = PRINCIPALS.map(
    (p) => [`${p.id}: ${scrapes(p) ? 200 : 403}`, p, scrapes(p), covers(p)] as const,
  );
  it.each(cases)("%s", async (_l, p, scrape, cover) => {
    const answer = await send("GET", "/metrics", { auth: auth.get(p.id)! });
    expect(answer.status, answer.text.slice(0, 200)).toBe(scrape ? 200 : 403);
    expect(errorOf(answer).code).toBe(scrape ? undefined : "forbidden");
    expect(answer.text.includes(`topic="${TOPIC}"`)).toBe(cover);
  });
});

describe("GET /v1/topics pages with limit and cursor, under each token's rights", () => {
  const names = Array.from({ length: 23 }, (_, i) => `ag-page-${String(i).padStart(2, "0")}`);
  beforeAll(async () => {
    for (const name of names)
      await prepared(send("PUT", `/v1/topics/${name}`, { body: json({ queueCount: 1 }) }), 201);
  });

  it.each(PRINCIPALS.map((p) => [p.id, p] as const))(
    "as %s, pages of 7 add up to the whole list",
    async (_id, p) => {
      const authorization = auth.get(p.id)!;
      const whole = okJson<{ topics: Array<{ topic: string }>; nextCursor?: string }>(
        await send("GET", "/v1/topics?limit=1000", { auth: authorization }),
      );
      expect(whole.nextCursor).toBeUndefined();
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const query = cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`;
        const answer = okJson<{ topics: Array<{ topic: string }>; nextCursor?: string }>(
          await send("GET", `/v1/topics?limit=7${query}`, { auth: authorization }),
        );
        pages.push(answer.topics.map((t) => t.topic));
        cursor = answer.nextCursor;
      } while (cursor !== undefined && pages.length < 100);
      // Every page but the last is full; the last holds the rest (at most 7).
      expect(pages.slice(0, -1).every((page) => page.length === 7)).toBe(true);
      expect(pages.at(-1)!.length).toBeLessThanOrEqual(7);
      const paged = pages.flat();
      expect(paged).toEqual(whole.topics.map((t) => t.topic));
      expect([...paged].sort()).toEqual(paged);
      expect(paged.filter((t) => t.startsWith("ag-page-"))).toEqual(
        ALL.some((r) => allows(p, "ag-page-00", r)) ? names : [],
      );
    },
  );

  it.each([
    ["limit=0", "limit=0"],
    ["limit=1001", "limit=1001"],
    ["limit=-1", "limit=-1"],
    ["limit=1.5", "limit=1.5"],
    ["limit=abc", "limit=abc"],
    ["a cursor with a star", "cursor=*"],
    ["a cursor with a lone surrogate", "cursor=%ED%A0%80"],
    ["a cursor of two dots", "cursor=.."],
    ["a cursor with a slash", "cursor=a%2Fb"],
  ])("%s is 400", async (_l, query) => {
    const before = await state(false);
    expectError(await send("GET", `/v1/topics?${query}`), 400, "invalid_request");
    expect(await state(false)).toEqual(before);
  });
});
