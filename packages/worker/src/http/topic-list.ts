import type { Context } from "hono";
import { listTopics } from "../broker/topic-admin.js";
import type { Right } from "./auth/grants.js";
import { allows } from "./auth/principal.js";
import { tokenAuthOf } from "./auth.js";

const RIGHTS: readonly Right[] = ["produce", "consume", "admin"];

/**
 * `GET /v1/topics`: the topics the caller has any right on, each with its
 * queue count and the caller's rights, and its settings where the caller has
 * `admin` (a client such as the console shows only what the token may use).
 * Topics the caller has no right on stay unnamed.
 */
export async function listTopicsOf(c: Context<{ Bindings: Env }>): Promise<Response> {
  const principal = await (await tokenAuthOf(c.env)).authenticate(c.req.header("authorization"));
  const topics = (await listTopics(c.env)).flatMap(({ topic, settings }) => {
    const rights = RIGHTS.filter((right) => allows(principal, { topic, right }));
    if (rights.length === 0) return [];
    const admin = rights.includes("admin");
    return [{ topic, queueCount: settings.queueCount, rights, ...(admin ? { settings } : {}) }];
  });
  return c.json({ topics });
}
