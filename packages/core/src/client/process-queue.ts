import type { Message } from "../model.js";

/**
 * What a push consumer has read from one topic queue and not yet finished
 * (RocketMQ's ProcessQueue). It decides the offset the consumer may commit:
 * C2 (docs/architecture.md) says the committed offset is the lowest offset still in process,
 * because a commit promises the broker that everything below it is done. If
 * it passed an unfinished message and the consumer then crashed, delivery
 * would resume above that message and it would never be processed.
 */
export class ProcessQueue {
  /**
   * Unfinished messages by offset. Messages are only ever added in ascending
   * offset order (each read continues where the last one ended), and a Map
   * iterates in insertion order, so the first key is always the lowest
   * unfinished offset, however messages finish.
   */
  private readonly unfinished = new Map<number, Message>();
  /** Where the next read starts; undefined until the start position is known. */
  private next: number | undefined;

  constructor(readonly queueId: number) {}

  get nextOffset(): number | undefined {
    return this.next;
  }

  get size(): number {
    return this.unfinished.size;
  }

  /** Sets the read position: at start, or forward past a retention gap. Never backwards. */
  seek(offset: number): void {
    if (this.next === undefined || offset > this.next) this.next = offset;
  }

  /**
   * Takes in a read's messages and moves the read position to `nextOffset`.
   * Returns the messages to process: any below the read position (a repeat)
   * are dropped, since they are already tracked or done.
   */
  accept(messages: readonly Message[], nextOffset: number): Message[] {
    const fresh: Message[] = [];
    let position = this.next ?? 0;
    for (const message of messages) {
      if (message.offset < position) continue;
      this.unfinished.set(message.offset, message);
      position = message.offset + 1;
      fresh.push(message);
    }
    this.seek(Math.max(position, nextOffset));
    return fresh;
  }

  /** Marks a message done: handled, or handed to the broker's retry queue. */
  done(offset: number): void {
    this.unfinished.delete(offset);
  }

  isDone(offset: number): boolean {
    return !this.unfinished.has(offset);
  }

  /**
   * The offset it is safe to commit: the lowest unfinished one, or with
   * nothing unfinished the next offset to read. Undefined before the start
   * position is known. Never decreases: messages enter at or above the read
   * position, and the position only moves forward.
   */
  committable(): number | undefined {
    for (const offset of this.unfinished.keys()) return offset;
    return this.next;
  }
}
