/**
 * What a grant allows on its topics: produce, consume (reads, groups, stats),
 * admin (redrive, group and topic settings), metrics (the topics' series in
 * `GET /metrics`, and nothing else: a scraper's token).
 */
export type Right = "produce" | "consume" | "admin" | "metrics";

/**
 * One grant: rights on the topics a pattern matches (`*` alone, an exact
 * name, or a prefix ending in `*`). With `groups` (same pattern form, where
 * `{sub}` stands for the token's subject, escaped: `groupSubject`) the grant
 * is scoped to consumer groups: it covers `produce` (a produce names no
 * group) and, with its other rights, only calls through a matching group;
 * a call that names no group (reads by offset, query, stats, topic
 * settings, create and delete, promote) needs a grant without `groups`.
 */
export interface Grant {
  topics: string;
  rights: Right[];
  groups?: string;
}

/** The most grants one token may carry: a bound on the work any request can ask for. */
export const MAX_GRANTS = 64;

const RIGHTS = new Set<Right>(["produce", "consume", "admin", "metrics"]);

const SUB = "{sub}";

/**
 * Checks a grant list from config or from a token claim. Returns a reason
 * when it is not one (the caller decides whether that is a config error or a
 * refused token).
 */
export function grantsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return "grants must be a list";
  if (value.length > MAX_GRANTS) return `at most ${MAX_GRANTS} grants`;
  for (const g of value as Partial<Grant>[]) {
    if (typeof g !== "object" || g === null || Array.isArray(g))
      return "each grant must be an object";
    if (typeof g.topics !== "string") return "each grant needs topics (a pattern)";
    if (!Array.isArray(g.rights) || !g.rights.every((r) => RIGHTS.has(r)))
      return "each grant needs rights (produce, consume, admin, metrics)";
    if (g.groups !== undefined) {
      if (typeof g.groups !== "string") return "groups must be a pattern";
      const problem = subPatternProblem(g.groups);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * `{sub}` at most once, and followed by the end, `-` or `.`: characters an
 * escaped subject never holds, so where it ends is never in doubt and one
 * subject's groups are never a prefix of another's.
 */
function subPatternProblem(pattern: string): string | undefined {
  const at = pattern.indexOf(SUB);
  if (at === -1) return undefined;
  if (pattern.indexOf(SUB, at + 1) !== -1) return "groups may hold {sub} once";
  const after = pattern[at + SUB.length];
  if (after !== undefined && after !== "-" && after !== ".")
    return "in groups, {sub} must be followed by the end, - or .";
  return undefined;
}

/**
 * A subject as `{sub}` puts it in a group name: letters and digits as they
 * are, every other UTF-8 byte as `_` and two lowercase hex digits. The
 * escape is one-to-one and never yields `-`, `.` or `*`, so a subject matches
 * its own groups only (docs/protocol.md, Auth).
 */
export function groupSubject(subject: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(subject)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9]/.test(c) ? c : `_${byte.toString(16).padStart(2, "0")}`;
  }
  return out;
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
    // Scoped to groups: produce names none; anything else must go through a matching one.
    if (access.group === undefined) return access.right === "produce";
    if (!g.groups.includes(SUB)) return matches(g.groups, access.group);
    // A token without a subject cannot use a per-subject pattern.
    if (subject === undefined) return false;
    return matches(g.groups.replace(SUB, groupSubject(subject)), access.group);
  });
}

/** `*`, an exact name, or a prefix ending in `*` (only a trailing `*` is a wildcard). */
function matches(pattern: string, name: string): boolean {
  if (pattern === "*") return true;
  return pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}
