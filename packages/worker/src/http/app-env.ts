import type { TopicRouter } from "@edgeq/core/engine";
import type { Principal } from "./auth/principal.js";

/**
 * Hono's environment of the broker's apps: the Worker's bindings, and what
 * the guards set for the handlers (who calls, the topic's router).
 */
export type AppEnv = { Bindings: Env; Variables: { principal: Principal; router: TopicRouter } };
