import { EdgeqError, messageToWire } from "@edgeq/core";
import type { TopicRouter } from "@edgeq/core/engine";
import { type Context, Hono } from "hono";
import { readFromReplica } from "../broker/failover.js";
import { NDJSON_READ_MAX, readNdjsonPages } from "../shared/ndjson-read.js";
import type { AppEnv } from "./app-env.js";
import { groupOf, need, optionalInt } from "./guards.js";
import { intParam, jsonBody, queueIdParam } from "./wire.js";

/**
 * Reading and consuming under `/v1/topics` (docs/protocol.md: Read by offset,
 * offsets, lease mode, query, dead letters, stats, group settings): right `consume`.
 */
export function createConsumeRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get(`/:topic/queues/:queueId/messages`, need("consume"), async (c) => {
    const from = intParam(c, "from");
    if (from === undefined) throw new EdgeqError("invalid_request", "from is required");
    const tags = c.req.query("tags")?.split(",").filter(Boolean);
    const limit = intParam(c, "limit");
    const waitMs = intParam(c, "waitMs");
    const replica = c.req.query("replica");
    if (replica !== undefined) {
      const read = await readFromReplica(
        c.env,
        c.req.param("topic"),
        queueIdParam(c.req.param("queueId")),
        replica,
        {
          from,
          ...(limit === undefined ? {} : { limit }),
          ...(tags ? { tags } : {}),
          ...continentOf(c.req.raw),
        },
      );
      return c.json({ ...read, messages: read.messages.map(messageToWire) });
    }
    const queueId = queueIdParam(c.req.param("queueId"));
    if (wantsNdjson(c.req.header("accept")))
      return ndjsonRead(c.var.router, queueId, from, limit, waitMs, tags, c.req.raw.signal);
    const { lines, ...cursor } = await c.var.router.readWire(queueId, {
      from,
      ...(limit === undefined ? {} : { limit }),
      ...(waitMs === undefined ? {} : { waitMs }),
      ...(tags ? { tags } : {}),
      signal: c.req.raw.signal,
    });
    // Each message's JSON was made where its queue lives, its body spliced in as stored.
    return jsonText(c, `{"messages":[${lines.join(",")}],${JSON.stringify(cursor).slice(1)}`);
  });

  app.get(`/:topic/messages/:msgId`, need("consume"), async (c) =>
    c.json(messageToWire(await c.var.router.getMessage(c.req.param("msgId")))),
  );

  app.get(`/:topic/messages`, need("consume"), async (c) => {
    const key = c.req.query("key");
    if (!key) throw new EdgeqError("invalid_request", "key is required");
    const limit = intParam(c, "limit");
    const messages = await c.var.router.queryByKey(key, limit === undefined ? {} : { limit });
    return c.json({ messages: messages.map(messageToWire) });
  });

  // Where a group reset to a time starts, per queue (docs/protocol.md, Consumer group offsets).
  app.get(`/:topic/offsets`, need("consume"), async (c) => {
    const at = intParam(c, "at");
    if (at === undefined)
      throw new EdgeqError("invalid_request", "at is required", { details: { field: "at" } });
    return c.json({ offsets: await c.var.router.offsetsAt(at) });
  });

  app.get(`/:topic/groups/:group/offsets`, need("consume"), async (c) =>
    c.json({ offsets: await c.var.router.getOffsets(groupOf(c)) }),
  );

  app.post(`/:topic/groups/:group/offsets`, need("consume"), async (c) => {
    const { offsets, reset } = await jsonBody(c);
    if (reset !== undefined && typeof reset !== "boolean")
      throw new EdgeqError("invalid_request", "reset must be a boolean");
    return c.json({
      offsets: await c.var.router.commitOffsets(groupOf(c), offsets, reset === true),
    });
  });

  app.post(`/:topic/groups/:group/receive`, need("consume"), async (c) => {
    const { max, visibilityMs, waitMs, retriesOnly, tags } = await jsonBody(c);
    if (retriesOnly !== undefined && typeof retriesOnly !== "boolean")
      throw new EdgeqError("invalid_request", "retriesOnly must be a boolean");
    const messages = await c.var.router.receiveWire(groupOf(c), {
      ...optionalInt("max", max),
      ...optionalInt("visibilityMs", visibilityMs),
      ...optionalInt("waitMs", waitMs),
      ...(retriesOnly ? { retriesOnly } : {}),
      ...(tags === undefined ? {} : { tags: tags as string[] }),
      signal: c.req.raw.signal,
    });
    return jsonText(c, `{"messages":[${messages.join(",")}]}`);
  });

  app.post(`/:topic/groups/:group/ack`, need("consume"), async (c) => {
    const { receipts } = await jsonBody(c);
    await c.var.router.ack(groupOf(c), receipts);
    return c.json({ acked: (receipts as unknown[]).length });
  });

  app.post(`/:topic/groups/:group/nack`, need("consume"), async (c) => {
    const { receipts, delayMs } = await jsonBody(c);
    await c.var.router.nack(groupOf(c), receipts, optionalInt("delayMs", delayMs).delayMs);
    return c.json({ nacked: (receipts as unknown[]).length });
  });

  app.post(`/:topic/groups/:group/extend`, need("consume"), async (c) => {
    const { receipts, visibilityMs } = await jsonBody(c);
    if (typeof visibilityMs !== "number")
      throw new EdgeqError("invalid_request", "visibilityMs is required");
    await c.var.router.extend(groupOf(c), receipts, visibilityMs);
    return c.json({ extended: (receipts as unknown[]).length });
  });

  app.post(`/:topic/groups/:group/retry`, need("consume"), async (c) => {
    const { queueId, offset, delayMs } = await jsonBody(c);
    if (typeof queueId !== "number" || typeof offset !== "number")
      throw new EdgeqError("invalid_request", "queueId and offset are required numbers");
    await c.var.router.sendBack(
      groupOf(c),
      queueId,
      offset,
      optionalInt("delayMs", delayMs).delayMs,
    );
    return c.json({ ok: true });
  });

  app.get(`/:topic/groups/:group/dlq`, need("consume"), async (c) => {
    const deadLetters = await c.var.router.listDeadLetters(groupOf(c), intParam(c, "limit"));
    return c.json({
      messages: deadLetters.map((d) => ({ ...d, message: messageToWire(d.message) })),
    });
  });

  // Group settings (docs/protocol.md, "Group settings"): ordered, flow control, pause, retries.
  app.get(`/:topic/groups/:group/settings`, need("consume"), async (c) =>
    c.json({ settings: await c.var.router.groupSettings(groupOf(c)) }),
  );
  app.get(`/:topic/groups/:group/keys`, need("consume"), async (c) =>
    c.json({ keys: await c.var.router.blockedKeys(groupOf(c), intParam(c, "limit")) }),
  );
  app.get(`/:topic/stats`, need("consume"), async (c) => c.json(await c.var.router.stats()));
  return app;
}

/** The continent Cloudflare placed the request in, for `?replica=nearest`. */
function continentOf(request: Request): { continent?: string } {
  const continent = (request as { cf?: { continent?: unknown } }).cf?.continent;
  return typeof continent === "string" ? { continent } : {};
}

/** An NDJSON read's `limit` when none is given. */
const NDJSON_READ_DEFAULT = 1_000;

/** Whether the client asked for the streaming form: `application/x-ndjson` in `accept`. */
function wantsNdjson(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*application\/x-ndjson\s*(;|,|$)/i.test(accept);
}

/**
 * The streaming form of a read by offset: up to `limit` (≤ NDJSON_READ_MAX)
 * messages as one JSON line each, the cursor in headers. The range is read
 * before anything is answered, so its errors are the JSON form's. The
 * queue's object makes each line (`readWire`): strings cross RPC, not
 * message objects.
 */
async function ndjsonRead(
  router: TopicRouter,
  queueId: number,
  from: number,
  limit: number | undefined,
  waitMs: number | undefined,
  tags: string[] | undefined,
  signal: AbortSignal,
): Promise<Response> {
  const wanted = limit ?? NDJSON_READ_DEFAULT;
  if (wanted < 1 || wanted > NDJSON_READ_MAX)
    throw new EdgeqError(
      "invalid_request",
      `limit must be an integer from 1 to ${NDJSON_READ_MAX}`,
      { details: { field: "limit" } },
    );
  const read = await readNdjsonPages(
    (at, pageLimit, first) =>
      router.readWire(queueId, {
        from: at,
        limit: pageLimit,
        ...(first && waitMs !== undefined ? { waitMs } : {}),
        ...(tags ? { tags } : {}),
        signal,
      }),
    from,
    wanted,
  );
  return new Response(read.text, {
    headers: {
      "content-type": "application/x-ndjson",
      "edgeq-next-offset": String(read.nextOffset),
      "edgeq-head-offset": String(read.headOffset),
      "edgeq-min-offset": String(read.minOffset),
    },
  });
}

/** A JSON answer whose text is already written (`c.json` would write it again). */
function jsonText(c: Context<AppEnv>, text: string): Response {
  return c.body(text, 200, { "content-type": "application/json" });
}
