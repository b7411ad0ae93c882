import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LocalBroker, startLocalBroker } from "./local-broker.js";

// EDGEQ_JWT with a jwksUrl: the issuer's keys fetched over HTTP (a Node server
// here), cached by the Worker, fetched again when a token names a kid the cache
// does not have (key rotation), and an outage of the issuer answered 503.

const ISSUER = "https://issuer.test";
let keys: JWK[] = [];
let fetches = 0;
let down = false;
let server: Server;
let broker: LocalBroker;

const pairs = await Promise.all(
  ["key-1", "key-2"].map(async (kid) => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    return { kid, ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: "ES256" } };
  }),
);

beforeAll(async () => {
  server = createServer((_req, res) => {
    fetches++;
    if (down) res.writeHead(500).end("down");
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  broker = await startLocalBroker({
    tokens: {},
    topics: { orders: { queueCount: 1 } },
    jwt: {
      issuer: ISSUER,
      audience: "edgeq",
      jwksUrl: `http://127.0.0.1:${port}/jwks`,
      // No pause between fetches, so the test need not wait out jose's default 30 s.
      jwksCooldownMs: 0,
    },
  });
});

afterAll(async () => {
  await broker?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

async function produce(kid: string): Promise<{ status: number; code?: string }> {
  const pair = pairs.find((p) => p.kid === kid)!;
  const token = await new SignJWT({ edgeq: [{ topics: "*", rights: ["produce"] }] })
    .setProtectedHeader({ alg: "ES256", kid })
    .setIssuer(ISSUER)
    .setAudience("edgeq")
    .setSubject("alice")
    .setExpirationTime("5m")
    .sign(pair.privateKey);
  const res = await fetch(`${broker.url}/v1/topics/orders/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ body: 1 }] }),
  });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, ...(body.error ? { code: body.error.code } : {}) };
}

it("caches the issuer's keys, follows a rotation by kid, and answers 503 while the keys cannot be had", async () => {
  keys = [pairs[0]!.jwk];
  expect(await produce("key-1")).toEqual({ status: 200 });
  expect(await produce("key-1")).toEqual({ status: 200 });
  expect(fetches).toBe(1);

  // Rotation: the issuer now signs with key-2 only.
  keys = [pairs[1]!.jwk];
  expect(await produce("key-2")).toEqual({ status: 200 });
  expect(fetches).toBe(2);
  expect(await produce("key-2")).toEqual({ status: 200 });
  expect(fetches).toBe(2);
  // The retired key is gone from the set: refused after one look.
  expect(await produce("key-1")).toEqual({ status: 401, code: "unauthorized" });

  // A kid the cache lacks while the issuer is down: not the client's fault.
  down = true;
  keys = [pairs[0]!.jwk, pairs[1]!.jwk];
  expect(await produce("key-1")).toEqual({ status: 503, code: "unavailable" });
});
