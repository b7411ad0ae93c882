import { type Grant, grantsAllow, type Right } from "../http/auth/grants.js";
import { tokenAuthOf } from "../http/auth.js";

const parsed = new WeakMap<object, Grant[]>();

/**
 * Grants of requests that carry no `authorization` header on the stream
 * routes: `EDGEQ_ANONYMOUS_STREAMS`, a list in the form of a token's grants
 * (`[{"topics": "public/*", "rights": ["consume"]}]`, stream paths being
 * the topics its patterns match). Absent: none, every request needs a token.
 */
function anonymousGrants(env: Env): Grant[] {
  const raw = env.EDGEQ_ANONYMOUS_STREAMS;
  if (raw === undefined) return [];
  const key = env as object;
  let grants = parsed.get(key);
  if (!grants) {
    const value: unknown = typeof raw === "string" ? JSON.parse(raw) : raw;
    if (
      !Array.isArray(value) ||
      !value.every((g: Partial<Grant>) => typeof g.topics === "string" && Array.isArray(g.rights))
    )
      throw new Error("EDGEQ_ANONYMOUS_STREAMS must be a list of {topics, rights} grants");
    grants = value as Grant[];
    parsed.set(key, grants);
  }
  return grants;
}

/**
 * Checks `right` on stream `path`: a request without credentials gets the
 * anonymous grants; any other is checked as a token like the rest of the
 * broker (`unauthorized`, `forbidden`).
 */
export async function checkStreamRight(
  env: Env,
  authorization: string | undefined,
  path: string,
  right: Right,
): Promise<void> {
  if (authorization === undefined && grantsAllow(anonymousGrants(env), { topic: path, right }))
    return;
  const auth = await tokenAuthOf(env);
  await auth.check(authorization, path, right);
}
