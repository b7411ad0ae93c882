import {
  DEFAULT_TOPIC_CONFIG,
  EdgeqError,
  messageToWire,
  type ProducerScope,
  type TopicRouter,
} from "@edgeq/core";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { wakeConsumers } from "../broker/consumer-wake.js";
import { enforceRateLimit, type RateKind } from "../broker/rate-limiter.js";
import { deleteTopic, getTopic, putTopic } from "../broker/topic-admin.js";
import { topicRouter } from "../broker/topics.js";
import { createConsoleApp } from "../console/console-app.js";
import { createMetricsApp } from "../metrics/metrics-app.js";
import { observeRequests } from "../metrics/request-metrics.js";
import { createCfPullApp } from "../queues/pull-api.js";
import { promoteReplica, readFromReplica } from "../replication/failover.js";
import { createStreamApp } from "../streams/stream-app.js";
import { type Principal, type Right, tokenAuthOf } from "./auth.js";
import { errorAnswer } from "./error-answer.js";
import { listTopicsOf } from "./topic-list.js";
import { intParam, jsonBody, queueIdParam, setRetryAfter, transactionToWire } from "./wire.js";

/**
 * Hono's environment of the broker's app: the Worker's bindings, and what its
 * middleware sets for the handlers (who calls, the topic's router).
 */
export type AppEnv = { Bindings: Env; Variables: { principal: Principal; router: TopicRouter } };

/** Largest request body: a full batch, base64 bodies included, plus room for the JSON around it. */
const MAX_BODY_BYTES = Math.ceil(DEFAULT_TOPIC_CONFIG.maxBatchBytes * 1.4) + 64 * 1024;

/**
 * The HTTP API of PROTOCOL.md: produce (transactions included), pull, lease
 * mode, offsets, dead letters, query and stats. The Worker only
 * authenticates, validates and routes: each call becomes a TopicRouter call
 * over the topic's Durable Objects, so a rejected request reaches no queue.
 * Errors answer with `EdgeqError.toJSON()` and its status.
 */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", observeRequests());
  // Durable Streams (docs/protocol.md): first, so its own CORS and headers answer its paths.
  app.route("/v1/stream", createStreamApp());
  /** Authenticates, and checks `right` on the path's topic (and group, under …/groups/{group}). */
  const allowed =
    (right: Right): MiddlewareHandler<AppEnv> =>
    async (c, next) => {
      const auth = await tokenAuthOf(c.env);
      const principal = await auth.check(
        c.req.header("authorization"),
        c.req.param("topic") ?? "",
        right,
        c.req.param("group"),
      );
      c.set("principal", principal);
      await next();
    };
  /** `allowed`, then the topic's router (404 for an unknown topic) and the consume rate limit. */
  const need =
    (right: Right): MiddlewareHandler<AppEnv> =>
    (c, next) =>
      allowed(right)(c, async () => {
        const topicName = c.req.param("topic") ?? "";
        c.set("router", await topicRouter(c.env, topicName));
        // Consume calls cost one request each; produce is charged per message once its body is read.
        if (right === "consume") await limit(c, "consume", 1);
        await next();
      });
  const limit = (c: Context<AppEnv>, kind: RateKind, cost: number): Promise<void> =>
    enforceRateLimit(c.env, c.req.param("topic") ?? "", c.get("principal").id, kind, cost);
  const group = (c: Context<AppEnv>): string => c.req.param("group") ?? "";
  /** Producer windows and transactions are the principal's (docs/protocol.md, Principals). */
  const scope = (c: Context<AppEnv>): ProducerScope => {
    const { id, inheritsUnscoped } = c.get("principal");
    return { principal: id, inheritsUnscoped };
  };

  app.use("*", (c, next) => {
    const origins = (c.env.EDGEQ_CORS_ORIGINS ?? "*").split(",").map((o) => o.trim());
    return cors({
      origin: origins.includes("*") ? "*" : origins,
      allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
      allowHeaders: ["authorization", "content-type"],
      exposeHeaders: ["retry-after"],
      maxAge: 86_400,
    })(c, next);
  });
  // Hono decodes what it can and leaves malformed escapes as they are: refuse them
  // here, so no handler sees text that is not UTF-8 (a lone surrogate, say).
  app.use("/v1/*", async (c, next) => {
    const { pathname, search } = new URL(c.req.url);
    try {
      decodeURIComponent(pathname);
      for (const part of search.slice(1).split(/[&=]/))
        decodeURIComponent(part.replaceAll("+", " "));
    } catch {
      throw new EdgeqError("invalid_request", "the URL is not well-formed UTF-8");
    }
    await next();
  });
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new EdgeqError("too_large", `request body is over ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );

  const topic = "/v1/topics/:topic";
  const groupPath = `${topic}/groups/:group`;

  app.post(`${topic}/messages`, need("produce"), async (c) => {
    const body = await jsonBody(c);
    const results = await c.var.router.send(body, scope(c), (count) => limit(c, "produce", count));
    await wakeConsumers(c.env, c.var.router.topic);
    // Half messages: the transaction to commit or roll back.
    const txId = body.transactional === true ? results[0]?.txId : undefined;
    return c.json(txId === undefined ? { results } : { results, txId });
  });

  app.post(`${topic}/transactions/:txId`, need("produce"), async (c) => {
    const { action } = await jsonBody(c);
    const info = await c.var.router.endTransaction(
      c.req.param("txId"),
      action,
      "producer",
      scope(c),
    );
    return c.json(transactionToWire(info));
  });

  app.get(`${topic}/transactions`, need("produce"), async (c) => {
    const producerId = c.req.query("producerId");
    const state = c.req.query("state");
    const transactions = await c.var.router.listTransactions({
      ...(producerId === undefined ? {} : { producerId }),
      ...(state === undefined ? {} : { state }),
      scope: scope(c),
    });
    return c.json({ transactions: transactions.map(transactionToWire) });
  });

  app.get(`${topic}/queues/:queueId/messages`, need("consume"), async (c) => {
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
    const result = await c.var.router.read(queueIdParam(c.req.param("queueId")), {
      from,
      ...(limit === undefined ? {} : { limit }),
      ...(waitMs === undefined ? {} : { waitMs }),
      ...(tags ? { tags } : {}),
      signal: c.req.raw.signal,
    });
    return c.json({ ...result, messages: result.messages.map(messageToWire) });
  });

  app.post(`${topic}/queues/:queueId/promote`, need("admin"), async (c) => {
    const { replica } = await jsonBody(c);
    const queueId = queueIdParam(c.req.param("queueId"));
    return c.json(await promoteReplica(c.env, c.req.param("topic"), queueId, replica));
  });

  app.get(`${topic}/messages/:msgId`, need("consume"), async (c) =>
    c.json(messageToWire(await c.var.router.getMessage(c.req.param("msgId")))),
  );

  app.get(`${topic}/messages`, need("consume"), async (c) => {
    const key = c.req.query("key");
    if (!key) throw new EdgeqError("invalid_request", "key is required");
    const limit = intParam(c, "limit");
    const messages = await c.var.router.queryByKey(key, limit === undefined ? {} : { limit });
    return c.json({ messages: messages.map(messageToWire) });
  });

  app.get(`${groupPath}/offsets`, need("consume"), async (c) =>
    c.json({ offsets: await c.var.router.getOffsets(group(c)) }),
  );

  app.post(`${groupPath}/offsets`, need("consume"), async (c) => {
    const { offsets, reset } = await jsonBody(c);
    if (reset !== undefined && typeof reset !== "boolean")
      throw new EdgeqError("invalid_request", "reset must be a boolean");
    return c.json({ offsets: await c.var.router.commitOffsets(group(c), offsets, reset === true) });
  });

  app.post(`${groupPath}/receive`, need("consume"), async (c) => {
    const { max, visibilityMs, waitMs, retriesOnly, tags } = await jsonBody(c);
    if (retriesOnly !== undefined && typeof retriesOnly !== "boolean")
      throw new EdgeqError("invalid_request", "retriesOnly must be a boolean");
    const messages = await c.var.router.receive(group(c), {
      ...optionalInt("max", max),
      ...optionalInt("visibilityMs", visibilityMs),
      ...optionalInt("waitMs", waitMs),
      ...(retriesOnly ? { retriesOnly } : {}),
      ...(tags === undefined ? {} : { tags: tags as string[] }),
      signal: c.req.raw.signal,
    });
    return c.json({ messages: messages.map(messageToWire) });
  });

  app.post(`${groupPath}/ack`, need("consume"), async (c) => {
    const { receipts } = await jsonBody(c);
    await c.var.router.ack(group(c), receipts);
    return c.json({ acked: (receipts as unknown[]).length });
  });

  app.post(`${groupPath}/nack`, need("consume"), async (c) => {
    const { receipts, delayMs } = await jsonBody(c);
    await c.var.router.nack(group(c), receipts, optionalInt("delayMs", delayMs).delayMs);
    return c.json({ nacked: (receipts as unknown[]).length });
  });

  app.post(`${groupPath}/extend`, need("consume"), async (c) => {
    const { receipts, visibilityMs } = await jsonBody(c);
    if (typeof visibilityMs !== "number")
      throw new EdgeqError("invalid_request", "visibilityMs is required");
    await c.var.router.extend(group(c), receipts, visibilityMs);
    return c.json({ extended: (receipts as unknown[]).length });
  });

  app.post(`${groupPath}/retry`, need("consume"), async (c) => {
    const { queueId, offset, delayMs } = await jsonBody(c);
    if (typeof queueId !== "number" || typeof offset !== "number")
      throw new EdgeqError("invalid_request", "queueId and offset are required numbers");
    await c.var.router.sendBack(group(c), queueId, offset, optionalInt("delayMs", delayMs).delayMs);
    return c.json({ ok: true });
  });

  app.get(`${groupPath}/dlq`, need("consume"), async (c) => {
    const deadLetters = await c.var.router.listDeadLetters(group(c), intParam(c, "limit"));
    return c.json({
      messages: deadLetters.map((d) => ({ ...d, message: messageToWire(d.message) })),
    });
  });

  /** `{limit}` or `{msgIds}` of a dead-letter call. */
  const deadLetterSelection = async (c: Context<AppEnv>) => {
    const { limit, msgIds } = await jsonBody(c);
    if (msgIds !== undefined && !Array.isArray(msgIds))
      throw new EdgeqError("invalid_request", "msgIds must be a list");
    return { ...optionalInt("limit", limit), ...(msgIds ? { msgIds: msgIds as string[] } : {}) };
  };
  app.post(`${groupPath}/dlq/redrive`, need("admin"), async (c) =>
    c.json({ redriven: await c.var.router.redrive(group(c), await deadLetterSelection(c)) }),
  );
  app.post(`${groupPath}/dlq/discard`, need("admin"), async (c) =>
    c.json({
      discarded: await c.var.router.discardDeadLetters(group(c), await deadLetterSelection(c)),
    }),
  );

  // Group settings (docs/protocol.md, "Group settings"): ordered, flow control, pause, retries.
  app.get(`${groupPath}/settings`, need("consume"), async (c) =>
    c.json({ settings: await c.var.router.groupSettings(group(c)) }),
  );
  app.put(`${groupPath}/settings`, need("admin"), async (c) =>
    c.json({ settings: await c.var.router.setGroupSettings(group(c), await jsonBody(c)) }),
  );
  for (const [verb, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const)
    app.post(`${groupPath}/${verb}`, need("admin"), async (c) => {
      const { paused: _, ...rest } = await c.var.router.groupSettings(group(c));
      const settings = await c.var.router.setGroupSettings(group(c), {
        ...rest,
        ...(paused ? { paused } : {}),
      });
      return c.json({ settings });
    });
  app.get(`${groupPath}/keys`, need("consume"), async (c) =>
    c.json({ keys: await c.var.router.blockedKeys(group(c), intParam(c, "limit")) }),
  );
  app.post(`${groupPath}/purge`, need("admin"), async (c) =>
    c.json({ purged: await c.var.router.purgeGroup(group(c)) }),
  );
  app.post(`${topic}/purge`, need("admin"), async (c) =>
    c.json({ purged: await c.var.router.purge() }),
  );

  app.delete(groupPath, need("admin"), async (c) => {
    await c.var.router.deleteGroup(group(c));
    return c.body(null, 204);
  });

  app.get(`${topic}/stats`, need("consume"), async (c) => c.json(await c.var.router.stats()));

  // Topics at runtime (docs/protocol.md): right `admin` on the topic.
  app.get("/v1/topics", listTopicsOf);
  app.get(topic, allowed("admin"), async (c) =>
    c.json(await getTopic(c.env, c.req.param("topic") ?? "")),
  );
  app.put(topic, allowed("admin"), async (c) => {
    const name = c.req.param("topic") ?? "";
    const { created, settings } = await putTopic(c.env, name, await jsonBody(c));
    return c.json({ topic: name, settings }, created ? 201 : 200);
  });
  app.delete(topic, allowed("admin"), async (c) => {
    await deleteTopic(c.env, c.req.param("topic") ?? "");
    return c.body(null, 204);
  });

  // Cloudflare Queues' pull consumer API (docs/protocol.md, "Cloudflare Queues pull API").
  app.route("/v1/cf", createCfPullApp());
  app.route("/", createMetricsApp());
  // The operator console (/console, and / redirects there), over the API above.
  app.route("/", createConsoleApp());

  app.notFound(() => {
    throw new EdgeqError("not_found", "no such route");
  });
  app.onError((error, c) => {
    const answer = errorAnswer(error);
    setRetryAfter(c, answer);
    return c.json(answer.toJSON(), answer.status as 400);
  });
  return app;
}

/** A body field that must be an integer when present (the router checks its range). */
function optionalInt<K extends string>(name: K, value: unknown): Partial<Record<K, number>> {
  if (value === undefined) return {};
  if (typeof value !== "number" || !Number.isInteger(value))
    throw new EdgeqError("invalid_request", `${name} must be an integer`);
  return { [name]: value } as Partial<Record<K, number>>;
}

/** The continent Cloudflare placed the request in, for `?replica=nearest`. */
function continentOf(request: Request): { continent?: string } {
  const continent = (request as { cf?: { continent?: unknown } }).cf?.continent;
  return typeof continent === "string" ? { continent } : {};
}
