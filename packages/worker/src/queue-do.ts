import { DurableObject } from "cloudflare:workers";
import type { Store } from "@edgeq/core";
import { createSqliteStore } from "./store/sqlite-store.js";

/**
 * One topic queue of the broker: a SQLite-backed Durable Object running the
 * core's QueueEngine. (The engine, RPC surface and alarms arrive with the
 * worker issue; the store underneath is already proven by the core suites.)
 */
export class QueueDO extends DurableObject {
  protected readonly store: Store;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = createSqliteStore(ctx.storage);
  }
}
