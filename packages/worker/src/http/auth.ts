import { EdgeqError } from "@edgeq/core";
import { type Grant, grantsProblem, type Right } from "./auth/grants.js";
import { JwtAuth } from "./auth/jwt.js";
import { authorize, type Principal, sha256, toHex } from "./auth/principal.js";

export type { Grant, Right } from "./auth/grants.js";
export type { Principal } from "./auth/principal.js";

interface TokenEntry {
  digest: ArrayBuffer;
  principal: Principal;
}

/** An `authorization` header longer than this is refused before any work (a JWT with 64 grants fits). */
export const MAX_AUTHORIZATION_BYTES = 8 * 1024;

const PRINCIPAL_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Who may call. `EDGEQ_TOKENS` maps each static token to its grants, either
 * a list (`{"dev-token": [{"topics": "*", "rights": ["produce", "consume",
 * "admin"]}]}`) or `{"principal": "billing", "grants": [...]}`, naming the
 * principal its producers belong to (so a rotated token keeps its producers'
 * windows); without a name the principal is a digest of the token. Static
 * tokens are compared by SHA-256 digest with `timingSafeEqual`, every
 * configured token every time, so timing says nothing about which one (or
 * how much of one) matched. `EDGEQ_JWT` adds per-user tokens (auth/jwt.ts).
 */
export class TokenAuth {
  private constructor(
    private readonly entries: TokenEntry[],
    private readonly jwt: JwtAuth | undefined,
  ) {}

  static async fromEnv(raw: unknown, rawJwt?: unknown): Promise<TokenAuth> {
    const source: unknown = typeof raw === "string" ? JSON.parse(raw) : (raw ?? {});
    if (typeof source !== "object" || source === null)
      throw new Error("EDGEQ_TOKENS must be a JSON object");
    const entries: TokenEntry[] = [];
    for (const [token, value] of Object.entries(source)) {
      const named = !Array.isArray(value) && typeof value === "object" && value !== null;
      const { principal, grants } = (named ? value : { grants: value }) as {
        principal?: unknown;
        grants: unknown;
      };
      const problem = grantsProblem(grants);
      if (problem) throw new Error(`EDGEQ_TOKENS: ${problem}`);
      if (
        principal !== undefined &&
        (typeof principal !== "string" || !PRINCIPAL_NAME.test(principal))
      )
        throw new Error("EDGEQ_TOKENS: principal must match [A-Za-z0-9._-]{1,128}");
      // One hash: compared with what is presented, and (without a name) the principal's id.
      const digest = await sha256(token);
      entries.push({
        digest,
        principal: {
          id: `t:${principal ?? toHex(digest).slice(0, 32)}`,
          grants: grants as Grant[],
          inheritsUnscoped: true,
        },
      });
    }
    return new TokenAuth(entries, JwtAuth.fromEnv(rawJwt));
  }

  /**
   * The principal of an `authorization: Bearer …` header: a static token,
   * else a JWT when `EDGEQ_JWT` is set. Throws `invalid_request` for an
   * oversized header, `unauthorized` for a missing, unknown or refused token.
   */
  async authenticate(header: string | undefined): Promise<Principal> {
    if (header !== undefined && header.length > MAX_AUTHORIZATION_BYTES)
      throw new EdgeqError(
        "invalid_request",
        `authorization is over ${MAX_AUTHORIZATION_BYTES} bytes`,
      );
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (!match) throw new EdgeqError("unauthorized", "missing bearer token");
    const token = match[1]!;
    const presented = await sha256(token);
    let found: TokenEntry | undefined;
    for (const entry of this.entries)
      if (crypto.subtle.timingSafeEqual(entry.digest, presented)) found = entry;
    if (found) return found.principal;
    if (this.jwt && token.split(".").length === 3) return this.jwt.verify(token);
    throw new EdgeqError("unauthorized", "unknown token");
  }

  /** Throws `unauthorized` for a missing or unknown token, `forbidden` when it lacks `right` on `topic`. */
  async check(
    header: string | undefined,
    topic: string,
    right: Right,
    group?: string,
  ): Promise<Principal> {
    const principal = await this.authenticate(header);
    authorize(principal, { topic, right, ...(group === undefined ? {} : { group }) });
    return principal;
  }
}

// Parsed once per env object (one per isolate in production), not per request:
// a remote JWKS is cached with it.
const parsed = new WeakMap<object, Promise<TokenAuth>>();

/** The `TokenAuth` of `env.EDGEQ_TOKENS` and `env.EDGEQ_JWT`, shared by every app of the Worker. */
export function tokenAuthOf(env: Env): Promise<TokenAuth> {
  let auth = parsed.get(env);
  if (!auth) {
    auth = TokenAuth.fromEnv(env.EDGEQ_TOKENS, env.EDGEQ_JWT);
    parsed.set(env, auth);
  }
  return auth;
}
