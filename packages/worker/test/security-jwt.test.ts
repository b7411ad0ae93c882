import { SELF } from "cloudflare:test";
import { exportJWK, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { JwtAuth } from "../src/http/auth/jwt.js";
import { jwtConfig, mintJwt, nowS, unsignedJwt } from "./jwt-tokens.js";

const BASE = "https://edgeq.test/v1/topics/sec";

function produce(authorization: string | undefined, body: unknown = { messages: [{ body: 1 }] }) {
  return SELF.fetch(`${BASE}/messages`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: JSON.stringify(body),
  });
}

async function head(): Promise<number> {
  const res = await SELF.fetch(`${BASE}/stats`, {
    headers: { authorization: "Bearer admin-token" },
  });
  const stats = (await res.json()) as { queues: Array<{ headOffset: number }> };
  return stats.queues[0]!.headOffset;
}

interface Refusal {
  name: string;
  /** The whole authorization header. */
  authorization: () => Promise<string>;
  status: number;
  code: string;
  /** The error's `reason`, for JWT refusals (absent otherwise). */
  reason?: string;
}

const bearer = (token: Promise<string> | string) => async () => `Bearer ${await token}`;

let rsaKey: CryptoKey;

beforeAll(async () => {
  ({ privateKey: rsaKey } = await generateKeyPair("RS256"));
});

const refusals: Refusal[] = [
  {
    name: "a bad signature",
    authorization: bearer(
      mintJwt({ key: new TextEncoder().encode("another-secret-another-secret-012345") }),
    ),
    status: 401,
    code: "unauthorized",
    reason: "signature",
  },
  {
    name: "a token whose signature was cut off",
    authorization: async () => `Bearer ${(await mintJwt()).replace(/\.[^.]+$/, ".")}`,
    status: 401,
    code: "unauthorized",
    reason: "signature",
  },
  {
    name: "alg none",
    authorization: bearer(
      unsignedJwt({
        iss: jwtConfig.issuer,
        aud: jwtConfig.audience,
        sub: "alice",
        exp: nowS() + 60,
      }),
    ),
    status: 401,
    code: "unauthorized",
    reason: "alg",
  },
  {
    name: "an algorithm the config does not allow (RS256 under an HS256 config)",
    authorization: async () => `Bearer ${await mintJwt({ alg: "RS256", key: rsaKey })}`,
    status: 401,
    code: "unauthorized",
    reason: "alg",
  },
  {
    name: "HS512 with the right secret",
    authorization: bearer(mintJwt({ alg: "HS512" })),
    status: 401,
    code: "unauthorized",
    reason: "alg",
  },
  {
    name: "expired beyond the 60 s skew",
    authorization: bearer(mintJwt({ claims: { exp: nowS() - 120 } })),
    status: 401,
    code: "unauthorized",
    reason: "exp",
  },
  {
    name: "not valid before a time beyond the skew",
    authorization: bearer(mintJwt({ claims: { nbf: nowS() + 120 } })),
    status: 401,
    code: "unauthorized",
    reason: "nbf",
  },
  {
    name: "a wrong issuer",
    authorization: bearer(mintJwt({ claims: { iss: "someone-else" } })),
    status: 401,
    code: "unauthorized",
    reason: "iss",
  },
  {
    name: "a wrong audience",
    authorization: bearer(mintJwt({ claims: { aud: "other-service" } })),
    status: 401,
    code: "unauthorized",
    reason: "aud",
  },
  {
    name: "no subject",
    authorization: bearer(mintJwt({ claims: { sub: undefined } })),
    status: 401,
    code: "unauthorized",
    reason: "sub",
  },
  {
    name: "more than 64 grants",
    authorization: bearer(
      mintJwt({
        claims: {
          edgeq: Array.from({ length: 65 }, (_, i) => ({ topics: `t${i}`, rights: ["produce"] })),
        },
      }),
    ),
    status: 401,
    code: "unauthorized",
    reason: "grants",
  },
  {
    name: "grants that are not grants",
    authorization: bearer(mintJwt({ claims: { edgeq: [{ topics: "sec", rights: ["root"] }] } })),
    status: 401,
    code: "unauthorized",
    reason: "grants",
  },
  {
    name: "no grant for the topic",
    authorization: bearer(
      mintJwt({ claims: { edgeq: [{ topics: "orders", rights: ["produce"] }] } }),
    ),
    status: 403,
    code: "forbidden",
  },
  {
    name: "no edgeq claim at all",
    authorization: bearer(mintJwt({ claims: { edgeq: undefined } })),
    status: 403,
    code: "forbidden",
  },
  {
    name: "an authorization header over 8 KiB",
    authorization: async () => `Bearer ${"x".repeat(8 * 1024)}`,
    status: 400,
    code: "invalid_request",
  },
  {
    name: "a JWT-shaped token when it is garbage",
    authorization: async () => "Bearer aaa.bbb.ccc",
    status: 401,
    code: "unauthorized",
    reason: "malformed",
  },
  {
    name: "an unknown static token",
    authorization: async () => "Bearer no-such-token",
    status: 401,
    code: "unauthorized",
  },
  { name: "no bearer", authorization: async () => "Basic YTpi", status: 401, code: "unauthorized" },
];

describe("JWT: every refusal answers its status and code, and stores nothing", () => {
  it.each(refusals)("$name → $status $code", async (c) => {
    const before = await head();
    const res = await produce(await c.authorization());
    const body = (await res.json()) as { error: { code: string; reason?: string } };
    expect(res.status, JSON.stringify(body)).toBe(c.status);
    expect(body.error.code).toBe(c.code);
    expect(body.error.reason).toBe(c.reason);
    expect(await head()).toBe(before);
  });

  it("a valid token produces; tokens within the 60 s skew of exp and nbf are accepted", async () => {
    const before = await head();
    for (const claims of [{}, { exp: nowS() - 30 }, { nbf: nowS() + 30 }]) {
      const res = await produce(`Bearer ${await mintJwt({ claims })}`);
      expect(res.status, await res.text()).toBe(200);
    }
    expect(await head()).toBe(before + 3);
  });
});

describe("JWT with RS256/ES256 keys (JWKS)", () => {
  it("verifies RS256 and ES256 by kid, and refuses an HS256 token made with the public key", async () => {
    const rs = await generateKeyPair("RS256", { extractable: true });
    const es = await generateKeyPair("ES256", { extractable: true });
    const rsJwk = { ...(await exportJWK(rs.publicKey)), kid: "rs-1", alg: "RS256" };
    const esJwk = { ...(await exportJWK(es.publicKey)), kid: "es-1", alg: "ES256" };
    const auth = JwtAuth.fromEnv({
      issuer: jwtConfig.issuer,
      audience: jwtConfig.audience,
      jwks: { keys: [rsJwk, esJwk] },
    })!;
    const rsPrincipal = await auth.verify(
      await mintJwt({ alg: "RS256", key: rs.privateKey, kid: "rs-1" }),
    );
    expect(rsPrincipal.subject).toBe("alice");
    expect(rsPrincipal.id).toMatch(/^j:[0-9a-f]{32}$/);
    const esPrincipal = await auth.verify(
      await mintJwt({ alg: "ES256", key: es.privateKey, kid: "es-1", claims: { sub: "bob" } }),
    );
    expect(esPrincipal.subject).toBe("bob");
    expect(esPrincipal.id).not.toBe(rsPrincipal.id);

    // HS/RS confusion: the public key's modulus used as an HMAC secret.
    const confused = await mintJwt({
      alg: "HS256",
      key: new TextEncoder().encode(String(rsJwk.n)),
      kid: "rs-1",
    });
    await expect(auth.verify(confused)).rejects.toMatchObject({
      code: "unauthorized",
      details: { reason: "alg" },
    });
    // A key that signs for another kid, or an unknown kid.
    const wrongKey = await mintJwt({ alg: "RS256", key: rs.privateKey, kid: "es-1" });
    await expect(auth.verify(wrongKey)).rejects.toMatchObject({ code: "unauthorized" });
    const unknownKid = await mintJwt({ alg: "RS256", key: rs.privateKey, kid: "rs-2" });
    await expect(auth.verify(unknownKid)).rejects.toMatchObject({
      code: "unauthorized",
      details: { reason: "kid" },
    });
  });

  it("refuses a config without exactly one key source, or with a short secret", () => {
    const base = { issuer: "i", audience: "a" };
    expect(() => JwtAuth.fromEnv(base)).toThrow(/exactly one/);
    expect(() => JwtAuth.fromEnv({ ...base, secret: "x".repeat(40), jwks: { keys: [] } })).toThrow(
      /exactly one/,
    );
    expect(() => JwtAuth.fromEnv({ ...base, secret: "short" })).toThrow(/32/);
    expect(() => JwtAuth.fromEnv({ secret: "x".repeat(40) })).toThrow(/issuer/);
    expect(JwtAuth.fromEnv(undefined)).toBeUndefined();
    for (const clockSkewSeconds of [-1, 1.5, 301, "60"])
      expect(() => JwtAuth.fromEnv({ ...base, secret: "x".repeat(40), clockSkewSeconds })).toThrow(
        /clockSkewSeconds/,
      );
  });

  it("allows the configured clock skew on exp: 60 s by default, none at 0", async () => {
    const base = {
      issuer: jwtConfig.issuer,
      audience: jwtConfig.audience,
      secret: jwtConfig.secret,
    };
    // Expired 10 s ago: inside the default skew, outside a skew of 5 s or 0.
    const lately = await mintJwt({ claims: { exp: nowS() - 10 } });
    expect((await JwtAuth.fromEnv(base)!.verify(lately)).subject).toBe("alice");
    for (const clockSkewSeconds of [0, 5])
      await expect(
        JwtAuth.fromEnv({ ...base, clockSkewSeconds })!.verify(lately),
      ).rejects.toMatchObject({ code: "unauthorized", details: { reason: "exp" } });
  });
});
