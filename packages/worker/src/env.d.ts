/** Bindings and vars of the edgeq Worker (see wrangler.jsonc), also what `env` from "cloudflare:workers" holds. */
declare namespace Cloudflare {
  interface Env {
    QUEUE: DurableObjectNamespace<import("./broker/queue-do.js").QueueDO>;
    /** One object per (topic, principal) holding its rate-limit buckets. */
    RATE_LIMITER: DurableObjectNamespace<import("./broker/rate-limiter.js").RateLimiterDO>;
    /** The topic registry (one object); without it, EDGEQ_TOPICS alone says which topics exist. */
    TOPIC_REGISTRY?: DurableObjectNamespace<import("./broker/topic-registry.js").TopicRegistryDO>;
    /** Topic name → partial TopicConfig, as a JSON object or its text. */
    EDGEQ_TOPICS?: unknown;
    /** Token → grants, as a JSON object or its text (see http/auth.ts). */
    EDGEQ_TOKENS?: unknown;
    /** Per-user JWT verification: issuer, audience and a secret or keys, as JSON (see http/auth/jwt.ts). */
    EDGEQ_JWT?: unknown;
    /** Allowed CORS origins, comma-separated, or "*". Default "*". */
    EDGEQ_CORS_ORIGINS?: string;
  }
}
interface Env extends Cloudflare.Env {}
