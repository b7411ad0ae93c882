import { EdgeqError } from "@edgeq/core";
import { assertName } from "@edgeq/core/engine";
import type { Context } from "hono";
import { listTopics } from "../broker/topic-admin.js";
import type { Right } from "./auth/grants.js";
import { allows } from "./auth/principal.js";
import { tokenAuthOf } from "./auth.js";
import { intParam } from "./wire.js";

const RIGHTS: readonly Right[] = ["produce", "consume", "admin"];
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/**
 * `GET /v1/topics`: the topics the caller has any right on, sorted by name,
 * each with its queue count and the caller's rights, and its settings where
 * the caller has `admin` (a client such as the console shows only what the
 * token may use). Topics the caller has no right on stay unnamed. Paged:
 * `limit`, `cursor` (the `nextCursor` of the page before) and `prefix`.
 */
export async function listTopicsOf(c: Context<{ Bindings: Env }>): Promise<Response> {
  const principal = await (await tokenAuthOf(c.env)).authenticate(c.req.header("authorization"));
  const limit = intParam(c, "limit") ?? DEFAULT_PAGE;
  if (limit < 1 || limit > MAX_PAGE)
    throw new EdgeqError("invalid_request", `limit must be from 1 to ${MAX_PAGE}`, {
      details: { field: "limit" },
    });
  // The cursor is the last name of the page before: opaque to clients, a name to us.
  const cursor = c.req.query("cursor");
  if (cursor !== undefined) assertName("cursor", cursor);
  const prefix = c.req.query("prefix") ?? "";
  if (prefix !== "") assertName("prefix", prefix);
  const page = [];
  let more = false;
  for (const { topic, settings } of await listTopics(c.env)) {
    if ((cursor !== undefined && topic <= cursor) || !topic.startsWith(prefix)) continue;
    const rights = RIGHTS.filter((right) => allows(principal, { topic, right }));
    if (rights.length === 0) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    const admin = rights.includes("admin");
    page.push({ topic, queueCount: settings.queueCount, rights, ...(admin ? { settings } : {}) });
  }
  const last = page.at(-1)?.topic;
  return c.json({ topics: page, ...(more && last ? { nextCursor: last } : {}) });
}
