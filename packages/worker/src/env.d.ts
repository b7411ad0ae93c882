/** Bindings and vars of the edgeq Worker (see wrangler.jsonc), also what `env` from "cloudflare:workers" holds. */
declare namespace Cloudflare {
  interface Env {
    QUEUE: DurableObjectNamespace<import("./broker/queue-do.js").QueueDO>;
    /** The replicas of queues whose topic sets `replication`. */
    REPLICA: DurableObjectNamespace<import("./broker/replica-do.js").ReplicaDO>;
    /** Topic name → partial TopicConfig, as a JSON object or its text. */
    EDGEQ_TOPICS?: unknown;
    /** Token → grants, as a JSON object or its text (see http/auth.ts). */
    EDGEQ_TOKENS?: unknown;
    /** Allowed CORS origins, comma-separated, or "*". Default "*". */
    EDGEQ_CORS_ORIGINS?: string;
  }
}
interface Env extends Cloudflare.Env {}
