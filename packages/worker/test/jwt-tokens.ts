import { env } from "cloudflare:test";
import { type JWTPayload, SignJWT } from "jose";

/** The tests' `EDGEQ_JWT` (vitest.config.mts): HS256. */
export const jwtConfig = JSON.parse(String(env.EDGEQ_JWT)) as {
  issuer: string;
  audience: string;
  secret: string;
};

export const secretKey = new TextEncoder().encode(jwtConfig.secret);

/** Seconds since the epoch, as JWT times are. */
export const nowS = () => Math.floor(Date.now() / 1000);

export interface MintOptions {
  /** Claims over the defaults (iss, aud, sub, exp in an hour, edgeq: everything). `undefined` drops one. */
  claims?: Record<string, unknown>;
  alg?: string;
  key?: Parameters<SignJWT["sign"]>[0];
  kid?: string;
}

/** A JWT for the test broker, valid unless the options say otherwise. */
export function mintJwt(options: MintOptions = {}): Promise<string> {
  const claims: JWTPayload = {
    iss: jwtConfig.issuer,
    aud: jwtConfig.audience,
    sub: "alice",
    exp: nowS() + 3600,
    edgeq: [{ topics: "*", rights: ["produce", "consume", "admin"] }],
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({
      alg: options.alg ?? "HS256",
      typ: "JWT",
      ...(options.kid ? { kid: options.kid } : {}),
    })
    .sign(options.key ?? secretKey);
}

/** An unsigned token (`alg: none`), which no verifier may accept. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) =>
    btoa(JSON.stringify(v)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}
