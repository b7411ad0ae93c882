import {
  type DeadLetter,
  HttpTransport,
  type LocalGroupOptions,
  LocalGroupTransport,
  type MessageHandler,
  PushConsumer,
  type PushConsumerOptions,
  type PushConsumerStats,
  type TokenSource,
} from "@edgeq/core";
import { type IdbStore, openIdbStore } from "../store/idb-store.js";

/** What an Inbox consumes and where it keeps its group. */
export interface InboxOptions
  extends Omit<PushConsumerOptions, "handler" | "topic" | "group" | "onError">,
    Omit<LocalGroupOptions, "clock"> {
  url: string;
  topic: string;
  /** The name of this browser's group. Default `inbox`; it never leaves the browser. */
  group?: string;
  token?: TokenSource;
  handler: MessageHandler;
  /** Database holding the group: offsets, retries, dead letters. Default `edgeq-inbox`. */
  databaseName?: string;
  /** Told about every failure the inbox recovers from (offline, a failing handler). */
  onError?: PushConsumerOptions["onError"];
}

/**
 * A browser consumer of a broker topic: the core's PushConsumer reading over
 * HTTP, with its group in IndexedDB (`LocalGroupTransport`). Each browser is
 * its own consumer of the topic: its offsets, the retries of the messages its
 * handler failed, and its dead letters stay in this browser, so a failed
 * message comes back here and nowhere else. At least once: a message whose
 * handler had not finished when the page went away is handled again.
 */
export class Inbox {
  private constructor(
    private readonly consumer: PushConsumer,
    private readonly group: LocalGroupTransport,
    private readonly store: IdbStore,
  ) {}

  /** @internal Open one with `createInbox`. */
  static async open(options: InboxOptions): Promise<Inbox> {
    const { url, token, databaseName, group = "inbox" } = options;
    const store = await openIdbStore(databaseName ?? "edgeq-inbox");
    const remote = new HttpTransport({ url, token });
    const local = await LocalGroupTransport.open(remote, store, {
      ...options,
      clock: undefined,
    }).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    const inbox = new Inbox(new PushConsumer(local, { ...options, group }), local, store);
    // A topic the broker does not know, say: leave nothing open behind.
    await inbox.consumer.start().catch(async (error: unknown) => {
      await inbox.close();
      throw error;
    });
    return inbox;
  }

  /** Counts of handled, failed and in-flight messages, and when offsets were last committed. */
  stats(): PushConsumerStats {
    return this.consumer.stats();
  }

  /** The offsets committed locally: where a reopened inbox resumes. */
  committedOffsets(): Record<string, number> {
    return this.consumer.committedOffsets();
  }

  /** Messages the handler failed `maxReconsumeTimes` times, kept in this browser. */
  deadLetters(limit?: number): Promise<DeadLetter[]> {
    return this.group.listDeadLetters(this.consumer.topic, this.consumer.group, { limit });
  }

  /** Hands dead letters (all, or those with these msgIds) to the handler again. */
  redrive(msgIds?: string[]): Promise<number> {
    return this.group.redrive(this.consumer.topic, this.consumer.group, msgIds ? { msgIds } : {});
  }

  /** Waits for running handlers, commits offsets, closes the database. */
  async close(): Promise<void> {
    await this.consumer.close();
    await this.group.close();
    await this.store.close();
  }
}

/**
 * Opens the inbox and starts consuming.
 *
 * @example
 * ```ts
 * import { createInbox } from "@edgeq/browser";
 *
 * const inbox = await createInbox({
 *   url: "https://queue.example.com",
 *   topic: "orders",
 *   group: "this-device",
 *   token: "…",
 *   // Throw to have the message retried later (then dead-lettered after maxReconsumeTimes).
 *   handler: async (message) => console.log(message.msgId, message.body),
 * });
 * // …
 * console.log(await inbox.deadLetters());
 * await inbox.close(); // waits for running handlers, commits offsets
 * ```
 */
export function createInbox(options: InboxOptions): Promise<Inbox> {
  return Inbox.open(options);
}
