import type { WorkerEntrypoint } from "cloudflare:workers";
import type { Transport } from "@edgeq/core";
import { signalOf, TRANSPORT_VERBS, withoutSignal } from "@edgeq/core/transport-calls";
import { defineVerbMethods } from "@edgeq/core/util";
import { type Outcome, unwrap } from "../shared/outcome.js";
import type { EdgeqRpc } from "./entrypoint.js";

/**
 * What a service binding to `EdgeqRpc` offers: its methods as the class
 * declares them. (The binding's generated RPC types of these results are too
 * deep for TypeScript to instantiate.)
 */
export type EdgeqRpcBinding = Omit<EdgeqRpc, keyof WorkerEntrypoint<Env>>;

/**
 * A service binding to the edgeq Worker's `EdgeqRpc` entrypoint, as a Worker's `Env` may
 * type it: `Service<EdgeqRpc>` (what `wrangler types` writes when it sees the broker's
 * types), a plain `Fetcher` (a binding to another Worker's entrypoint), or `EdgeqRpcBinding`.
 * A Fetcher cannot say which entrypoint it reaches; the wrangler config's
 * `"entrypoint": "EdgeqRpc"` does.
 */
export type EdgeqRpcTarget = EdgeqRpcBinding | Service<EdgeqRpc> | Fetcher;

// The class's static block defines Transport's calls on its prototype (TRANSPORT_VERBS).
export interface RpcTransport extends Transport {}

/**
 * The core's Transport over a service binding to the edgeq Worker, so a
 * Worker produces and consumes with the same Producer and PushConsumer as
 * everyone else: `new Producer(new RpcTransport(env.EDGEQ), { topic })`.
 * Signals cannot cross RPC: each is checked before its call, and long-polls
 * are bounded by their `waitMs`.
 *
 * @example
 * ```ts
 * // wrangler.jsonc: "services": [{ "binding": "EDGEQ", "service": "edgeq-broker", "entrypoint": "EdgeqRpc" }]
 * import { Producer } from "@edgeq/core";
 * import { type EdgeqRpcTarget, RpcTransport } from "@edgeq/worker/bindings";
 *
 * export default {
 *   async fetch(request, env) {
 *     const transport = new RpcTransport(env.EDGEQ);
 *     const producer = new Producer(transport, { topic: "orders" });
 *     const result = await producer.send({ body: await request.json(), key: "cart-9" });
 *     return Response.json(result);
 *   },
 * } satisfies ExportedHandler<{ EDGEQ: EdgeqRpcTarget }>;
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the static block's methods
export class RpcTransport implements Transport {
  private readonly rpc: EdgeqRpcBinding;

  /** `binding`: the service binding to the edgeq Worker's `EdgeqRpc` entrypoint. */
  constructor(binding: EdgeqRpcTarget) {
    // Each of the forms has EdgeqRpc's methods at run time; Service<EdgeqRpc>'s own types of
    // them are too deep for TypeScript to compare with the class's, hence the cast.
    this.rpc = binding as unknown as EdgeqRpcBinding;
  }

  static {
    // Every Transport call is EdgeqRpc's method of the same name: the signal checked here
    // (it cannot cross RPC), the arguments passed on without it, the Outcome unwrapped.
    defineVerbMethods(
      RpcTransport.prototype,
      TRANSPORT_VERBS,
      (verb) =>
        async function (this: RpcTransport, ...args: unknown[]) {
          signalOf(args)?.throwIfAborted();
          // Called on the binding itself: a stub's method is a proxy, whose `apply` would be an RPC call.
          const rpc = this.rpc as unknown as Record<
            string,
            (...a: unknown[]) => Promise<Outcome<unknown>>
          >;
          return unwrap(await rpc[verb]!(...args.map(withoutSignal)));
        },
    );
  }
}
