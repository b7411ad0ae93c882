import type { Broker } from "../engine/broker.js";
import type { TransactionChecker } from "../model.js";
import { defineVerbMethods } from "../util/verb-methods.js";
import type { CallOptions, TopicInfo, Transport } from "./transport.js";
import {
  type RouterCaller,
  signalOf,
  TRANSPORT_CALLS,
  TRANSPORT_VERBS,
} from "./transport-calls.js";

// The class's static block defines Transport's calls on its prototype (TRANSPORT_VERBS).
export interface LocalTransport extends Transport {}

/**
 * A Transport straight into an in-process Broker: same semantics as HTTP, no
 * network. Each call is its TRANSPORT_CALLS entry on the Broker's calls for
 * the topic (which re-arm its timers), after its signal is checked.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the static block's methods
export class LocalTransport implements Transport {
  constructor(private readonly broker: Broker) {}

  static {
    defineVerbMethods(LocalTransport.prototype, TRANSPORT_VERBS, (verb) => {
      const call = TRANSPORT_CALLS[verb as keyof typeof TRANSPORT_CALLS] as (
        route: RouterCaller,
        ...args: unknown[]
      ) => Promise<unknown>;
      return async function (this: LocalTransport, topic: string, ...args: unknown[]) {
        signalOf(args)?.throwIfAborted();
        const broker = this.broker as unknown as Record<string, (...a: unknown[]) => unknown>;
        return call(
          ((v: string, ...a: unknown[]) => broker[v]!(topic, ...a)) as RouterCaller,
          ...args,
        );
      };
    });
  }

  /** The topic's queue count, from its config. */
  async topicInfo(topic: string, options?: CallOptions): Promise<TopicInfo> {
    options?.signal?.throwIfAborted();
    return { topic, queueCount: this.broker.topicConfig(topic).queueCount };
  }

  /** Answers check-backs for `producerId`'s transactions in this process (see `Broker.onTransactionCheck`). */
  onTransactionCheck(producerId: string, checker: TransactionChecker): () => void {
    return this.broker.onTransactionCheck(producerId, checker);
  }
}
