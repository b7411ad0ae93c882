/** What a grant allows on its topics: produce, consume (reads, groups, stats), admin (redrive, topic settings). */
export type Right = "produce" | "consume" | "admin";

/**
 * One grant: rights on the topics a pattern matches (`*` alone, an exact
 * name, or a prefix ending in `*`). With `groups` (same pattern form, where
 * `{sub}` stands for the token's subject) every call through a consumer group
 * (receive, ack, nack, offsets, dead letters, redrive, Cloudflare pull) must
 * name a matching group, and the grant's `consume` no longer covers calls
 * without one (reads by offset, queries, stats), which see every group's
 * messages; `produce` is unaffected.
 */
export interface Grant {
  topics: string;
  rights: Right[];
  groups?: string;
}

/** The most grants one token may carry: a bound on the work any request can ask for. */
export const MAX_GRANTS = 64;

const RIGHTS = new Set<Right>(["produce", "consume", "admin"]);

/**
 * Checks a grant list from config or from a token claim. Returns a reason
 * when it is not one (the caller decides whether that is a config error or a
 * refused token).
 */
export function grantsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return "grants must be a list";
  if (value.length > MAX_GRANTS) return `at most ${MAX_GRANTS} grants`;
  for (const g of value as Partial<Grant>[]) {
    if (typeof g !== "object" || g === null) return "each grant must be an object";
    if (typeof g.topics !== "string") return "each grant needs topics (a pattern)";
    if (!Array.isArray(g.rights) || !g.rights.every((r) => RIGHTS.has(r)))
      return "each grant needs rights (produce, consume, admin)";
    if (g.groups !== undefined && typeof g.groups !== "string") return "groups must be a pattern";
  }
  return undefined;
}

/** What a request asks for: a right on a topic, through a consumer group or not. */
export interface Access {
  topic: string;
  right: Right;
  /** The consumer group the call acts through, if any. */
  group?: string;
}

/** Whether any grant covers `access`; `subject` fills `{sub}` in group patterns. */
export function grantsAllow(grants: readonly Grant[], access: Access, subject?: string): boolean {
  return grants.some((g) => {
    if (!matches(g.topics, access.topic) || !g.rights.includes(access.right)) return false;
    if (g.groups === undefined) return true;
    if (access.group === undefined) return access.right !== "consume";
    // A token without a subject cannot use a per-subject pattern.
    if (g.groups.includes("{sub}") && subject === undefined) return false;
    return matches(g.groups.replaceAll("{sub}", subject ?? ""), access.group);
  });
}

/** `*`, an exact name, or a prefix ending in `*` (only a trailing `*` is a wildcard). */
function matches(pattern: string, name: string): boolean {
  if (pattern === "*") return true;
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}
