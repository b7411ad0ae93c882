import { EdgeqError } from "@edgeq/core";
import { Hono } from "hono";
import { topicRouter } from "../broker/topics.js";
import { tokenAuthOf } from "../http/auth.js";

const DEFAULT_MINUTES = 60;

/**
 * `GET /v1/topics/{topic}/history?minutes=n` (right: `consume`; docs/protocol.md,
 * "History"): the topic's last n minutes (1 to 1,500, default 60), one value
 * a minute: lag per group and the running totals, summed over the queues.
 */
export function createHistoryApp(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();
  app.get("/v1/topics/:topic/history", async (c) => {
    const topic = c.req.param("topic");
    const auth = await tokenAuthOf(c.env);
    await auth.check(c.req.header("authorization"), topic, "consume");
    const raw = c.req.query("minutes");
    const minutes = raw === undefined ? DEFAULT_MINUTES : Number(raw);
    if (raw !== undefined && !/^\d{1,5}$/.test(raw))
      throw new EdgeqError("invalid_request", "minutes must be an integer", {
        details: { field: "minutes" },
      });
    return c.json(await (await topicRouter(c.env, topic)).history(minutes));
  });
  return app;
}
