import type { RouterVerb, TopicRouter } from "../engine/topic-router.js";
import type { CallOptions, Transport } from "./transport.js";

/** Every call of a Transport (all but the optional `onTransactionCheck`). */
export type TransportVerb = Exclude<keyof Transport, "onTransactionCheck">;

/**
 * A topic's router calls as a transport next to the broker reaches them:
 * through the in-process Broker (which re-arms its timers after each), or a
 * Worker's router over Durable Object queues.
 */
export type RouterCaller = <V extends RouterVerb>(
  verb: V,
  ...args: Parameters<TopicRouter[V]>
) => ReturnType<TopicRouter[V]>;

/** A Transport call's arguments after its topic. */
export type AfterTopic<F> = F extends (topic: string, ...rest: infer R) => unknown ? R : never;

/** The calls TRANSPORT_CALLS maps: all but `topicInfo`, which reads the topic's config, not its router. */
export type RoutedVerb = Exclude<TransportVerb, "topicInfo">;

/**
 * Each Transport call (after its topic) as the router call that serves it:
 * the one mapping of every transport next to the broker (LocalTransport, the
 * Worker's EdgeqRpc). Options are reshaped for the router and signals left
 * out: the caller checks a signal before the call (`signalOf`).
 */
export const TRANSPORT_CALLS: {
  [V in RoutedVerb]: (route: RouterCaller, ...args: AfterTopic<Transport[V]>) => Promise<unknown>;
} = {
  send: (route, request) => route("send", request),
  read: (route, queueId, options) => route("read", queueId, withoutSignal(options)),
  getOffsets: (route, group) => route("getOffsets", group),
  commitOffsets: (route, group, offsets, options) =>
    route("commitOffsets", group, offsets, options?.reset === true),
  receive: (route, group, options = {}) => route("receive", group, withoutSignal(options)),
  ack: (route, group, receipts) => route("ack", group, receipts),
  nack: (route, group, receipts, options) => route("nack", group, receipts, options?.delayMs),
  extend: (route, group, receipts, visibilityMs) => route("extend", group, receipts, visibilityMs),
  sendBack: (route, group, message, options) =>
    route("sendBack", group, message.queueId, message.offset, options?.delayMs),
  getMessage: (route, msgId) => route("getMessage", msgId),
  queryByKey: (route, key, options) =>
    route("queryByKey", key, options?.limit === undefined ? {} : { limit: options.limit }),
  listDeadLetters: (route, group, options) => route("listDeadLetters", group, options?.limit),
  redrive: (route, group, options = {}) => route("redrive", group, withoutSignal(options)),
  groupSettings: (route, group) => route("groupSettings", group),
  setGroupSettings: (route, group, settings) => route("setGroupSettings", group, settings),
  stats: (route) => route("stats"),
  endTransaction: (route, txId, action) => route("endTransaction", txId, action),
  listTransactions: (route, filter = {}) => route("listTransactions", filter),
};

/** Every TransportVerb, `topicInfo` first. */
export const TRANSPORT_VERBS = [
  "topicInfo",
  ...(Object.keys(TRANSPORT_CALLS) as RoutedVerb[]),
] as const satisfies readonly TransportVerb[];

/** The signal among a call's arguments (its options), if any. */
export function signalOf(args: readonly unknown[]): AbortSignal | undefined {
  for (const arg of args)
    if (typeof arg === "object" && arg !== null && "signal" in arg)
      return (arg as CallOptions).signal;
  return undefined;
}

/** An argument without its `signal`, which cannot cross RPC or reach the router. */
export function withoutSignal<T>(arg: T): T {
  if (typeof arg !== "object" || arg === null || !("signal" in arg)) return arg;
  const { signal: _, ...rest } = arg as T & CallOptions;
  return rest as T;
}
