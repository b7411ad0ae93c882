import type { NewMessage } from "./outbox-log.js";
import type { SendReceipt } from "./types.js";

interface Waiting {
  messages: readonly NewMessage[];
  resolve(receipts: SendReceipt[]): void;
  reject(error: unknown): void;
}

/**
 * Group commit for sends: every `send` made in the same task, or while the
 * previous append is still committing, joins one IndexedDB transaction and one
 * log record. A caller's promise resolves only after the transaction holding
 * its messages completed, so "resolved" always means "durable".
 */
export class SendBatcher {
  private queue: Waiting[] = [];
  private running = false;

  constructor(private readonly append: (messages: NewMessage[]) => Promise<SendReceipt[]>) {}

  add(messages: readonly NewMessage[]): Promise<SendReceipt[]> {
    const done = new Promise<SendReceipt[]>((resolve, reject) =>
      this.queue.push({ messages, resolve, reject }),
    );
    if (!this.running) {
      this.running = true;
      queueMicrotask(() => void this.drain());
    }
    return done;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const receipts = await this.append(batch.flatMap((w) => w.messages));
        let at = 0;
        for (const w of batch) {
          w.resolve(receipts.slice(at, at + w.messages.length));
          at += w.messages.length;
        }
      } catch (error) {
        // Nothing of a failed transaction was written: every caller in it hears why.
        for (const w of batch) w.reject(error);
      }
    }
    this.running = false;
  }
}
