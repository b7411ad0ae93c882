import {
  appendToText,
  type NormalizedAppend,
  QUEUE_VERBS,
  type QueueHandle,
  type QueueVerb,
} from "@edgeq/core/engine";
import { withoutSignal } from "@edgeq/core/transport-calls";
import { PrimaryRoute } from "../replication/primary-route.js";
import type { ReplicationSetting } from "../replication/replication-setting.js";
import { type Outcome, unwrap } from "../shared/outcome.js";
import { type QueueRef, queueObjectName } from "../shared/queue-ref.js";

/**
 * QueueDO's RPC methods as the class declares them, taken from the binding's
 * type (`Env`) rather than by importing the class, which imports this module's
 * importers. The stub's generated RPC types of these results are too deep for
 * TypeScript to instantiate, so the stub is used through this plain type.
 */
type QueueRpc = Env["QUEUE"] extends DurableObjectNamespace<infer Q> ? Q : never;

/** One QueueDO method: the queue's ref first, then the QueueHandle call's arguments. */
type RpcMethod = (ref: QueueRef, ...args: unknown[]) => Promise<Outcome<unknown>>;

/**
 * A QueueHandle whose queue lives in a QueueDO: what the Worker's TopicRouter
 * routes to. Every QueueHandle call (`QUEUE_VERBS`) is the QueueDO method of
 * the same name with the queue's ref first, its Outcome unwrapped into the
 * value or the EdgeqError, so a new call needs no forwarding written here.
 * With `replication` (and `env`), calls go to whichever member is the
 * queue's primary.
 */
export function durableQueue(
  namespace: Env["QUEUE"],
  ref: QueueRef,
  replicated?: { env: Env; setting: ReplicationSetting },
): QueueHandle {
  const stub = namespace.get(namespace.idFromName(queueObjectName(ref))) as unknown as QueueRpc;
  const route = replicated && new PrimaryRoute(replicated.env, ref, replicated.setting);
  const call = async (verb: QueueVerb, args: unknown[]) => {
    const sent = wireArgs(verb, args);
    const rpc = (queue: QueueRpc, at: QueueRef) =>
      (queue[verb] as unknown as RpcMethod)(at, ...sent);
    return unwrap(await (route ? route.call(rpc) : rpc(stub, ref)));
  };
  return Object.fromEntries([
    ["queueId", ref.queueId],
    ...QUEUE_VERBS.map((verb) => [verb, (...args: unknown[]) => call(verb, args)]),
  ]) as unknown as QueueHandle;
}

/**
 * A call's arguments as they cross RPC: a batch to append as one JSON text
 * (`appendToText`), which the engine takes as it is; the rest as themselves.
 */
function wireArgs(verb: QueueVerb, args: unknown[]): unknown[] {
  if (verb === "append") return [appendToText(args[0] as NormalizedAppend)];
  if (verb === "appendHalf") return [args[0], appendToText(args[1] as NormalizedAppend)];
  return args.map(withoutSignal);
}
