import { EdgeqError } from "@edgeq/core";
import { type Context, Hono } from "hono";
import { promoteReplica } from "../broker/failover.js";
import { deleteTopic, getTopic, putTopic } from "../broker/topic-admin.js";
import type { AppEnv } from "./app-env.js";
import { allowed, groupOf, need, optionalInt } from "./guards.js";
import { jsonBody, queueIdParam } from "./wire.js";

/**
 * Admin calls under `/v1/topics` (right `admin`): dead-letter redrive and
 * discard, group settings, pause, purge and deletion, topic purge, promote,
 * and topics at runtime (docs/protocol.md).
 */
export function createAdminRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(`/:topic/queues/:queueId/promote`, need("admin"), async (c) => {
    const { replica } = await jsonBody(c);
    const queueId = queueIdParam(c.req.param("queueId"));
    return c.json(await promoteReplica(c.env, c.req.param("topic"), queueId, replica));
  });

  /** `{limit}` or `{msgIds}` of a dead-letter call. */
  const deadLetterSelection = async (c: Context<AppEnv>) => {
    const { limit, msgIds } = await jsonBody(c);
    if (msgIds !== undefined && !Array.isArray(msgIds))
      throw new EdgeqError("invalid_request", "msgIds must be a list");
    return { ...optionalInt("limit", limit), ...(msgIds ? { msgIds: msgIds as string[] } : {}) };
  };
  app.post(`/:topic/groups/:group/dlq/redrive`, need("admin"), async (c) =>
    c.json({ redriven: await c.var.router.redrive(groupOf(c), await deadLetterSelection(c)) }),
  );
  app.post(`/:topic/groups/:group/dlq/discard`, need("admin"), async (c) =>
    c.json({
      discarded: await c.var.router.discardDeadLetters(groupOf(c), await deadLetterSelection(c)),
    }),
  );

  app.put(`/:topic/groups/:group/settings`, need("admin"), async (c) =>
    c.json({ settings: await c.var.router.setGroupSettings(groupOf(c), await jsonBody(c)) }),
  );
  for (const [verb, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const)
    app.post(`/:topic/groups/:group/${verb}`, need("admin"), async (c) => {
      const { paused: _, ...rest } = await c.var.router.groupSettings(groupOf(c));
      const settings = await c.var.router.setGroupSettings(groupOf(c), {
        ...rest,
        ...(paused ? { paused } : {}),
      });
      return c.json({ settings });
    });
  app.post(`/:topic/groups/:group/purge`, need("admin"), async (c) =>
    c.json({ purged: await c.var.router.purgeGroup(groupOf(c)) }),
  );
  app.post(`/:topic/purge`, need("admin"), async (c) =>
    c.json({ purged: await c.var.router.purge() }),
  );

  app.delete("/:topic/groups/:group", need("admin"), async (c) => {
    await c.var.router.deleteGroup(groupOf(c));
    return c.body(null, 204);
  });

  // Topics at runtime (docs/protocol.md): right `admin` on the topic.
  app.get("/:topic", allowed("admin"), async (c) =>
    c.json(await getTopic(c.env, c.req.param("topic") ?? "")),
  );
  app.put("/:topic", allowed("admin"), async (c) => {
    const name = c.req.param("topic") ?? "";
    const { created, settings } = await putTopic(c.env, name, await jsonBody(c));
    return c.json({ topic: name, settings }, created ? 201 : 200);
  });
  app.delete("/:topic", allowed("admin"), async (c) => {
    await deleteTopic(c.env, c.req.param("topic") ?? "");
    return c.body(null, 204);
  });

  return app;
}
