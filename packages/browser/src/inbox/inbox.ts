import {
  HttpTransport,
  type MessageHandler,
  PushConsumer,
  type PushConsumerOptions,
  type PushConsumerStats,
  type TokenSource,
} from "@edgeq/core";
import { type IdbStore, openIdbStore } from "../store/idb-store.js";
import { withLocalOffsets } from "./local-offsets-transport.js";

export interface InboxOptions
  extends Omit<PushConsumerOptions, "handler" | "topic" | "group" | "onError"> {
  url: string;
  topic: string;
  /** The group this browser consumes as; its offsets live in IndexedDB. Default `inbox`. */
  group?: string;
  token?: TokenSource;
  handler: MessageHandler;
  /** Database holding the offsets. Default `edgeq-inbox`. */
  databaseName?: string;
  /** Told about every failure the inbox recovers from (offline, a failing handler). */
  onError?: PushConsumerOptions["onError"];
}

/**
 * A browser consumer of a broker topic: the core's PushConsumer over HTTP,
 * with the group's offsets persisted in IndexedDB, so an app that was offline
 * or closed resumes where it stopped. At least once: a message whose handler
 * had not finished when the page went away is handled again.
 */
export class Inbox {
  private constructor(
    private readonly consumer: PushConsumer,
    private readonly store: IdbStore,
  ) {}

  static async open(options: InboxOptions): Promise<Inbox> {
    const { url, token, databaseName, group, ...rest } = options;
    const store = await openIdbStore(databaseName ?? "edgeq-inbox");
    const remote = new HttpTransport({ url, ...(token === undefined ? {} : { token }) });
    const consumer = new PushConsumer(withLocalOffsets(remote, store), {
      ...rest,
      group: group ?? "inbox",
    });
    const inbox = new Inbox(consumer, store);
    try {
      await consumer.start();
    } catch (error) {
      await store.close();
      throw error;
    }
    return inbox;
  }

  stats(): PushConsumerStats {
    return this.consumer.stats();
  }

  /** The offsets committed locally: where a reopened inbox resumes. */
  committedOffsets(): Record<string, number> {
    return this.consumer.committedOffsets();
  }

  /** Waits for running handlers, commits offsets, closes the database. */
  async close(): Promise<void> {
    await this.consumer.close();
    await this.store.close();
  }
}

export function createInbox(options: InboxOptions): Promise<Inbox> {
  return Inbox.open(options);
}
