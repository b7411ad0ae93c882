import { EdgeqError } from "@edgeq/core";
import { DEFAULT_TOPIC_CONFIG } from "@edgeq/core/engine";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import type { AppEnv } from "./app-env.js";

/** Largest request body: a full batch, base64 bodies included, plus room for the JSON around it. */
const MAX_BODY_BYTES = Math.ceil(DEFAULT_TOPIC_CONFIG.maxBatchBytes * 1.4) + 64 * 1024;

/** CORS for the origins of `EDGEQ_CORS_ORIGINS` (default `*`; docs/protocol.md, CORS). */
export function corsPolicy(): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const origins = (c.env.EDGEQ_CORS_ORIGINS ?? "*").split(",").map((o) => o.trim());
    return cors({
      origin: origins.includes("*") ? "*" : origins,
      allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
      allowHeaders: ["authorization", "content-type"],
      exposeHeaders: ["retry-after"],
      maxAge: 86_400,
    })(c, next);
  };
}

/**
 * Hono decodes what it can and leaves malformed escapes as they are: refuse
 * them here, so no handler sees text that is not UTF-8 (a lone surrogate, say).
 */
export function wellFormedUrl(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { pathname, search } = new URL(c.req.url);
    try {
      decodeURIComponent(pathname);
      for (const part of search.slice(1).split(/[&=]/))
        decodeURIComponent(part.replaceAll("+", " "));
    } catch {
      throw new EdgeqError("invalid_request", "the URL is not well-formed UTF-8");
    }
    await next();
  };
}

/** A body over MAX_BODY_BYTES is `too_large` before anything reads it. */
export function limitedBody(): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new EdgeqError("too_large", `request body is over ${MAX_BODY_BYTES} bytes`);
    },
  });
}
