import { EdgeqError } from "@edgeq/core";

export type Right = "produce" | "consume" | "admin";

/** One grant: rights on the topics a pattern matches (`*` alone, or a trailing `*` for a prefix). */
export interface Grant {
  topics: string;
  rights: Right[];
}

interface TokenEntry {
  digest: ArrayBuffer;
  grants: Grant[];
}

const RIGHTS = new Set<Right>(["produce", "consume", "admin"]);

/**
 * Token checking. `EDGEQ_TOKENS` maps each token to its grants, e.g.
 * `{"dev-token": [{"topics": "*", "rights": ["produce", "consume", "admin"]}]}`.
 * Tokens are compared by SHA-256 digest with `timingSafeEqual`, and every
 * configured token is compared every time, so timing says nothing about which
 * one (or how much of one) matched.
 */
export class TokenAuth {
  private constructor(private readonly entries: TokenEntry[]) {}

  static async fromEnv(raw: unknown): Promise<TokenAuth> {
    const source: unknown = typeof raw === "string" ? JSON.parse(raw) : (raw ?? {});
    if (typeof source !== "object" || source === null)
      throw new Error("EDGEQ_TOKENS must be a JSON object");
    const entries: TokenEntry[] = [];
    for (const [token, grants] of Object.entries(source)) {
      if (!Array.isArray(grants)) throw new Error(`EDGEQ_TOKENS: grants of a token must be a list`);
      for (const g of grants as Grant[]) {
        if (
          typeof g.topics !== "string" ||
          !Array.isArray(g.rights) ||
          !g.rights.every((r) => RIGHTS.has(r))
        )
          throw new Error(
            "EDGEQ_TOKENS: each grant needs topics (a pattern) and rights (produce, consume, admin)",
          );
      }
      entries.push({ digest: await digest(token), grants: grants as Grant[] });
    }
    return new TokenAuth(entries);
  }

  /** Throws `unauthorized` for a missing or unknown token, `forbidden` when it lacks `right` on `topic`. */
  async check(header: string | undefined, topic: string, right: Right): Promise<void> {
    if (!grantAllows(await this.grantsOf(header), topic, right))
      throw new EdgeqError("forbidden", `token may not ${right} on topic ${topic}`);
  }

  /** The grants of the presented token; throws `unauthorized` for a missing or unknown one. */
  async grantsOf(header: string | undefined): Promise<Grant[]> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (!match) throw new EdgeqError("unauthorized", "missing bearer token");
    const presented = await digest(match[1]!);
    let found: TokenEntry | undefined;
    for (const entry of this.entries)
      if (crypto.subtle.timingSafeEqual(entry.digest, presented)) found = entry;
    if (!found) throw new EdgeqError("unauthorized", "unknown token");
    return found.grants;
  }
}

/** Whether one of `grants` gives `right` on `topic`. */
export function grantAllows(grants: readonly Grant[], topic: string, right: Right): boolean {
  return grants.some((g) => matches(g.topics, topic) && g.rights.includes(right));
}

/** Every right `grants` give on `topic`, each once, in the order produce, consume, admin. */
export function rightsOn(grants: readonly Grant[], topic: string): Right[] {
  return [...RIGHTS].filter((right) => grantAllows(grants, topic, right));
}

function matches(pattern: string, topic: string): boolean {
  if (pattern === "*") return true;
  return pattern.endsWith("*") ? topic.startsWith(pattern.slice(0, -1)) : pattern === topic;
}

function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

// Parsed once per env object (one per isolate in production), not per request.
const parsed = new WeakMap<object, Promise<TokenAuth>>();

/** The `TokenAuth` of `env.EDGEQ_TOKENS`, shared by every app of the Worker. */
export function tokenAuthOf(env: Env): Promise<TokenAuth> {
  let auth = parsed.get(env);
  if (!auth) {
    auth = TokenAuth.fromEnv(env.EDGEQ_TOKENS);
    parsed.set(env, auth);
  }
  return auth;
}
