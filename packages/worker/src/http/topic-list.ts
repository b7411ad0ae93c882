import type { Context } from "hono";
import { topicConfigs } from "../broker/topics.js";
import { rightsOn, tokenAuthOf } from "./auth.js";

/**
 * `GET /v1/topics`: the configured topics the token has any right on, by
 * name, with its rights on each, so a client (the console) shows only what
 * the token may use. Topics the token has no right on stay unnamed.
 */
export async function listTopics(c: Context<{ Bindings: Env }>): Promise<Response> {
  const grants = await (await tokenAuthOf(c.env)).grantsOf(c.req.header("authorization"));
  const topics = [...topicConfigs(c.env)]
    .map(([name, config]) => ({
      name,
      queueCount: config.queueCount,
      rights: rightsOn(grants, name),
    }))
    .filter((t) => t.rights.length > 0)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return c.json({ topics });
}
