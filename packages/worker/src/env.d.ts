/** Bindings and vars of the edgeq Worker (see wrangler.jsonc), also what `env` from "cloudflare:workers" holds. */
declare namespace Cloudflare {
  interface Env {
    QUEUE: DurableObjectNamespace<import("./broker/queue-do.js").QueueDO>;
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
    /** Allowed CORS origins, comma-separated, or "*". Default "*". */
    EDGEQ_CORS_ORIGINS?: string;
  }
}
interface Env extends Cloudflare.Env {}
