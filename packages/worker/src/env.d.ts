/** Bindings and vars of the edgeq Worker (see wrangler.jsonc), also what `env` from "cloudflare:workers" holds. */
declare namespace Cloudflare {
  interface Env {
    QUEUE: DurableObjectNamespace<import("./broker/queue-do.js").QueueDO>;
    /** One object per (topic, principal) holding its rate-limit buckets. */
    RATE_LIMITER: DurableObjectNamespace<import("./broker/rate-limiter.js").RateLimiterDO>;
    /** The topic registry (one object); without it, EDGEQ_TOPICS alone says which topics exist. */
    TOPIC_REGISTRY?: DurableObjectNamespace<import("./broker/topic-registry.js").TopicRegistryDO>;
    /** The replicas of queues whose topic sets `replication`. */
    REPLICA: DurableObjectNamespace<import("./broker/replica-do.js").ReplicaDO>;
    /** Topic name → partial TopicConfig, as a JSON object or its text. */
    EDGEQ_TOPICS?: unknown;
    /** Token → grants, as a JSON object or its text (see http/auth.ts). */
    EDGEQ_TOKENS?: unknown;
    /** One Durable Object per Durable Stream (`/v1/stream/…`); without it those routes answer 501. */
    STREAMS?: DurableObjectNamespace<import("./streams/stream-do.js").StreamDO>;
    /** Grants of requests without credentials on the stream routes (see streams/stream-auth.ts). */
    EDGEQ_ANONYMOUS_STREAMS?: unknown;
    /** Longest long-poll wait of a stream read, in ms. Default 20,000. */
    EDGEQ_STREAM_LONG_POLL_MS?: string;
    /** Per-user JWT verification: issuer, audience and a secret or keys, as JSON (see http/auth/jwt.ts). */
    EDGEQ_JWT?: unknown;
    /** Allowed CORS origins, comma-separated, or "*". Default "*". */
    EDGEQ_CORS_ORIGINS?: string;
    /** `off`: no JSON line per request in the Worker's logs (metrics/request-metrics.ts). Default on. */
    EDGEQ_LOG?: string;
  }
}
interface Env extends Cloudflare.Env {}
