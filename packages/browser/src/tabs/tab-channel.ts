import type {
  DeliveredMessage,
  ErrorSummary,
  LocalDeadLetter,
  SyncState,
} from "@edgeq/core/durable";

/** What the tabs of one outbox tell each other. */
export type TabMessage =
  /** A tab appended messages: the syncing tab should look. */
  | { type: "queued" }
  /** Someone wants everything sent now (`flush()`, a Background Sync event). */
  | { type: "flush" }
  /** A tab got a new token: a sync paused on 401/403 may resume. */
  | { type: "token"; token?: string }
  /** From the syncing tab: progress, so every tab can fire events and answer `flush()`. */
  | { type: "delivered"; messages: DeliveredMessage[] }
  | { type: "dead"; deadLetter: LocalDeadLetter }
  | { type: "state"; state: SyncState; inFlight: number; error?: ErrorSummary };

/**
 * A typed BroadcastChannel. Messages reach every other tab (and worker) of the
 * origin that opened the same outbox, never the sender itself.
 */
export class TabChannel {
  private readonly channel: BroadcastChannel | undefined;

  constructor(name: string, onMessage: (message: TabMessage) => void) {
    // Absent in a few old engines: then each tab simply works on its own.
    if (typeof BroadcastChannel === "undefined") return;
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event: MessageEvent<TabMessage>) => onMessage(event.data);
  }

  private closed = false;
  private queuedSoon = false;

  post(message: TabMessage): void {
    this.channel?.postMessage(message);
  }

  /**
   * Posts `queued` once for every send of this turn: the other tabs only look
   * at the log again, and a message per send (10,000 concurrent sends) made
   * the channel a fifth of the send path's time (measured in Chromium).
   */
  postQueued(): void {
    if (this.queuedSoon || !this.channel) return;
    this.queuedSoon = true;
    queueMicrotask(() => {
      this.queuedSoon = false;
      if (!this.closed) this.post({ type: "queued" });
    });
  }

  close(): void {
    this.closed = true;
    this.channel?.close();
  }
}
