/** Bindings and vars of the edgeq Worker (see wrangler.jsonc), also what `env` from "cloudflare:workers" holds. */
declare namespace Cloudflare {
  interface Env {
    QUEUE: DurableObjectNamespace<import("./queue-do.js").QueueDO>;
  }
}
interface Env extends Cloudflare.Env {}
