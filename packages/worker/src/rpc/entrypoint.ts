import { WorkerEntrypoint } from "cloudflare:workers";
import { EdgeqError, type TopicRouter } from "@edgeq/core";
import type { Outcome } from "../broker/queue-ref.js";
import { topicConfig, topicRouter } from "../broker/topics.js";

/** The TopicRouter calls other Workers may make over RPC. */
export type RouterMethod = Exclude<keyof TopicRouter, "topic" | "config" | "queues">;

const ROUTER_METHODS: ReadonlySet<string> = new Set<RouterMethod>([
  "send",
  "read",
  "getOffsets",
  "commitOffsets",
  "receive",
  "ack",
  "nack",
  "extend",
  "sendBack",
  "listDeadLetters",
  "redrive",
  "getMessage",
  "queryByKey",
  "stats",
  "endTransaction",
  "listTransactions",
]);

/**
 * edgeq for other Workers: bind it as a service (`"entrypoint": "EdgeqRpc"`)
 * and talk to it with `RpcTransport`. Same semantics as HTTP, minus HTTP:
 * a service binding is already trusted by the account that made it, so no
 * token is asked for. Errors come back as data (see `Outcome`).
 */
export class EdgeqRpc extends WorkerEntrypoint<Env> {
  async topicInfo(topic: string): Promise<Outcome<{ topic: string; queueCount: number }>> {
    return outcome(async () => ({ topic, queueCount: topicConfig(this.env, topic).queueCount }));
  }

  /** One TopicRouter call on `topic`; `RpcTransport` is its typed face. */
  async call(topic: string, method: RouterMethod, args: unknown[]): Promise<Outcome<unknown>> {
    return outcome(async () => {
      if (!ROUTER_METHODS.has(method))
        throw new EdgeqError("invalid_request", `no call ${String(method)}`);
      if (!Array.isArray(args)) throw new EdgeqError("invalid_request", "args must be a list");
      const router = topicRouter(this.env, topic);
      const fn = router[method] as (...a: unknown[]) => Promise<unknown>;
      return fn.apply(router, args);
    });
  }
}

async function outcome<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof EdgeqError)
      return {
        ok: false,
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
      };
    return {
      ok: false,
      error: { code: "internal", message: error instanceof Error ? error.message : String(error) },
    };
  }
}
