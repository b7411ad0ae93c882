import { EdgeqError, messagesToNdjson, messageToWire, type ReadResult } from "@edgeq/core";
import { Hono } from "hono";
import { readFromReplica } from "../broker/failover.js";
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
    const page = (at: number, pageLimit: number | undefined, pageWaitMs: number | undefined) =>
      c.var.router.read(queueId, {
        from: at,
        ...(pageLimit === undefined ? {} : { limit: pageLimit }),
        ...(pageWaitMs === undefined ? {} : { waitMs: pageWaitMs }),
        ...(tags ? { tags } : {}),
        signal: c.req.raw.signal,
      });
    if (wantsNdjson(c.req.header("accept"))) return ndjsonRead(from, limit, waitMs, page);
    const result = await page(from, limit, waitMs);
    return c.json({ ...result, messages: result.messages.map(messageToWire) });
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
    const messages = await c.var.router.receive(groupOf(c), {
      ...optionalInt("max", max),
      ...optionalInt("visibilityMs", visibilityMs),
      ...optionalInt("waitMs", waitMs),
      ...(retriesOnly ? { retriesOnly } : {}),
      ...(tags === undefined ? {} : { tags: tags as string[] }),
      signal: c.req.raw.signal,
    });
    return c.json({ messages: messages.map(messageToWire) });
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

/** Most messages one NDJSON read answers (docs/protocol.md, Read by offset): ten engine pages. */
export const NDJSON_READ_MAX = 10_000;
/** An NDJSON read's `limit` when none is given. */
const NDJSON_READ_DEFAULT = 1_000;
/** What one engine read answers at most (the JSON form's bound). */
const PAGE_MAX = 1_000;

/** Whether the client asked for the streaming form: `application/x-ndjson` in `accept`. */
function wantsNdjson(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*application\/x-ndjson\s*(;|,|$)/i.test(accept);
}

/**
 * The streaming form of a read by offset: up to `limit` (≤ NDJSON_READ_MAX)
 * messages as one JSON line each, read in engine pages, the cursor in headers.
 * The first page is read before anything is answered, so its errors are the
 * JSON form's; only it waits (`waitMs`), and later pages stop at the head.
 */
async function ndjsonRead(
  from: number,
  limit: number | undefined,
  waitMs: number | undefined,
  page: (at: number, limit: number, waitMs: number | undefined) => Promise<ReadResult>,
): Promise<Response> {
  const wanted = limit ?? NDJSON_READ_DEFAULT;
  if (wanted < 1 || wanted > NDJSON_READ_MAX)
    throw new EdgeqError(
      "invalid_request",
      `limit must be an integer from 1 to ${NDJSON_READ_MAX}`,
      { details: { field: "limit" } },
    );
  let result = await page(from, Math.min(wanted, PAGE_MAX), waitMs);
  let text = messagesToNdjson(result.messages);
  let left = wanted - result.messages.length;
  // At most as many pages as a full answer takes: a tag filter that skips most of
  // the log ends the answer early (its cursor says where) rather than scanning it all.
  for (let pages = 1; left > 0 && result.nextOffset < result.headOffset; pages++) {
    if (pages * PAGE_MAX >= NDJSON_READ_MAX) break;
    const at = result.nextOffset;
    result = await page(at, Math.min(left, PAGE_MAX), undefined);
    text += messagesToNdjson(result.messages);
    left -= result.messages.length;
  }
  return new Response(text, {
    headers: {
      "content-type": "application/x-ndjson",
      "edgeq-next-offset": String(result.nextOffset),
      "edgeq-head-offset": String(result.headOffset),
      "edgeq-min-offset": String(result.minOffset),
    },
  });
}
