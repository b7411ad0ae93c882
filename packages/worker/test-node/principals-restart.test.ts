import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { Miniflare } from "miniflare";
import { afterEach, beforeEach, expect, it } from "vitest";
import { brokerWorker } from "./local-broker.js";

// Upgrade path of producer scopes (docs/protocol.md, Principals): windows
// written without a principal (what every version before principals wrote,
// and what a trusted service binding still writes) keep answering retries of
// static tokens `duplicate` after a restart, and never a JWT user's.

const JWT = { issuer: "edgeq-test", audience: "edgeq", secret: "s".repeat(40) };
const TOKENS = { "t-admin": [{ topics: "*", rights: ["produce", "consume", "admin"] }] };
const TOPICS = { orders: { queueCount: 2 } };

/** A Worker that produces over the `EdgeqRpc` binding, with no principal at all. */
const UNSCOPED_CLIENT = `
  export default {
    async fetch(request, env) {
      const outcome = await env.EDGEQ.send("orders", await request.json());
      return Response.json(outcome);
    },
  };
`;

let dir: string;
let mf: Miniflare | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "edgeq-principals-"));
});
afterEach(async () => {
  await mf?.dispose();
  mf = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<void> {
  await mf?.dispose();
  const edgeq = await brokerWorker({ tokens: TOKENS, topics: TOPICS });
  mf = new Miniflare({
    durableObjectsPersist: dir,
    workers: [
      {
        name: "unscoped",
        modules: true,
        script: UNSCOPED_CLIENT,
        compatibilityDate: "2026-04-01",
        serviceBindings: { EDGEQ: { name: "edgeq", entrypoint: "EdgeqRpc" } },
      },
      { ...edgeq, bindings: { ...edgeq.bindings, EDGEQ_JWT: JSON.stringify(JWT) } },
    ],
  });
  await mf.ready;
}

interface Result {
  status: string;
  seq: number;
  offset: number;
}

const batch = (...seqs: number[]) => ({
  producerId: "p-legacy",
  messages: seqs.map((seq) => ({ seq, body: seq })),
});

async function produce(authorization: string, body: unknown): Promise<Result[]> {
  const edgeq = await mf!.getWorker("edgeq");
  const res = await edgeq.fetch("http://edgeq/v1/topics/orders/messages", {
    method: "POST",
    headers: { authorization, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { results: Result[] };
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json.results;
}

it("a restart keeps unscoped windows for static tokens, and JWT users never inherit them", async () => {
  await start();
  const written = (await (
    await mf!.dispatchFetch("http://unscoped/", {
      method: "POST",
      body: JSON.stringify(batch(1, 2, 3)),
    })
  ).json()) as { ok: true; value: Result[] };
  expect(written.value.map((r) => r.status)).toEqual(["stored", "stored", "stored"]);

  await start();
  const retried = await produce("Bearer t-admin", batch(1, 2, 3, 4));
  expect(retried.map((r) => r.status)).toEqual(["duplicate", "duplicate", "duplicate", "stored"]);
  expect(retried.slice(0, 3).map((r) => r.offset)).toEqual(written.value.map((r) => r.offset));

  const token = await new SignJWT({ edgeq: [{ topics: "*", rights: ["produce"] }] })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(JWT.issuer)
    .setAudience(JWT.audience)
    .setSubject("alice")
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(JWT.secret));
  const alice = await produce(`Bearer ${token}`, batch(1, 2, 3));
  expect(alice.map((r) => r.status)).toEqual(["stored", "stored", "stored"]);

  // And the static token's window is its own from then on, across another restart.
  await start();
  const again = await produce("Bearer t-admin", batch(4, 5));
  expect(again.map((r) => r.status)).toEqual(["duplicate", "stored"]);
});
