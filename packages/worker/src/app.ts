import { EdgeqError } from "@edgeq/core";
import { Hono } from "hono";
import { createConsoleApp } from "./console/console-app.js";
import { createAdminRoutes } from "./http/admin-routes.js";
import type { AppEnv } from "./http/app-env.js";
import { createConsumeRoutes } from "./http/consume-routes.js";
import { errorAnswer } from "./http/error-answer.js";
import { createProduceRoutes } from "./http/produce-routes.js";
import { corsPolicy, limitedBody, wellFormedUrl } from "./http/request-checks.js";
import { listTopicsOf } from "./http/topic-list.js";
import { setRetryAfter } from "./http/wire.js";
import { createMetricsApp } from "./metrics/metrics-app.js";
import { observeRequests } from "./metrics/request-metrics.js";
import { createCfPullApp } from "./queues/pull-api.js";
import { createStreamApp } from "./streams/stream-app.js";

export type { AppEnv } from "./http/app-env.js";

/**
 * The broker's Worker: the HTTP API of docs/protocol.md (produce, consume
 * and admin sub-apps), Durable Streams, the Cloudflare Queues API, metrics
 * and the console. The Worker only
 * authenticates, validates and routes: each call becomes a TopicRouter call
 * over the topic's Durable Objects, so a rejected request reaches no queue.
 * Errors answer with `EdgeqError.toJSON()` and its status.
 */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", observeRequests());
  // Durable Streams (docs/protocol.md): first, so its own CORS and headers answer its paths.
  app.route("/v1/stream", createStreamApp());
  app.use("*", corsPolicy());
  app.use("/v1/*", wellFormedUrl(), limitedBody());

  // The HTTP API (docs/protocol.md), one sub-app per kind of call.
  app.get("/v1/topics", listTopicsOf);
  app.route("/v1/topics", createProduceRoutes());
  app.route("/v1/topics", createConsumeRoutes());
  app.route("/v1/topics", createAdminRoutes());
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
