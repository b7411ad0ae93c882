import { EdgeqError } from "@edgeq/core";
import type { ProducerScope } from "@edgeq/core/engine";
import type { Context, MiddlewareHandler } from "hono";
import { enforceRateLimit, type RateKind } from "../broker/rate-limiter.js";
import { topicRouter } from "../broker/topics.js";
import type { AppEnv } from "./app-env.js";
import type { Right } from "./auth/grants.js";
import { tokenAuthOf } from "./auth.js";

/** Authenticates, and checks `right` on the path's topic (and group, under …/groups/{group}). */
export const allowed =
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
export const need =
  (right: Right): MiddlewareHandler<AppEnv> =>
  (c, next) =>
    allowed(right)(c, async () => {
      c.set("router", await topicRouter(c.env, c.req.param("topic") ?? ""));
      // Consume calls cost one request each; produce is charged per message once its body is read.
      if (right === "consume") await charge(c, "consume", 1);
      await next();
    });

/** Charges the caller's rate limit on the path's topic. */
export const charge = (c: Context<AppEnv>, kind: RateKind, cost: number): Promise<void> =>
  enforceRateLimit(c.env, c.req.param("topic") ?? "", c.get("principal").id, kind, cost);

/** The path's consumer group. */
export const groupOf = (c: Context<AppEnv>): string => c.req.param("group") ?? "";

/** Producer windows and transactions are the principal's (docs/protocol.md, Principals). */
export const scopeOf = (c: Context<AppEnv>): ProducerScope => {
  const { id, inheritsUnscoped } = c.get("principal");
  return { principal: id, inheritsUnscoped };
};

/** A body field that must be an integer when present (the router checks its range). */
export function optionalInt<K extends string>(name: K, value: unknown): Partial<Record<K, number>> {
  if (value === undefined) return {};
  if (typeof value !== "number" || !Number.isInteger(value))
    throw new EdgeqError("invalid_request", `${name} must be an integer`);
  return { [name]: value } as Partial<Record<K, number>>;
}
