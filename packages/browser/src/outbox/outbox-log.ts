import type { MessageBody } from "@edgeq/core";
import type { IDBPDatabase, IDBPTransaction } from "idb";
import { fromIdbError, settled } from "../store/idb-errors.js";
import type { Durability } from "../store/idb-store.js";
import {
  DEAD,
  type DeadRecord,
  INITIAL_PROGRESS,
  LOG,
  type LoggedMessage,
  type LogRecord,
  META,
  messageId,
  type ProducerMeta,
  type ProgressMeta,
} from "./schema.js";
import type { OutboxDeadLetter, OutboxSendOptions, SendReceipt } from "./types.js";

export interface NewMessage {
  body: MessageBody;
  options: OutboxSendOptions;
}

/** The handled part of a batch: acknowledged seqs and dead letters, all up to `doneSeq`. */
export interface Completion {
  doneSeq: number;
  acknowledged: number;
  deadLetters: OutboxDeadLetter[];
  at: number;
}

export type AnyTx = IDBPTransaction<unknown, string[], "readwrite">;

/**
 * The outbox's local commitlog in IndexedDB. Every append reads the producer
 * record inside its own readwrite transaction, and IndexedDB runs readwrite
 * transactions on one store one at a time across all tabs: so any tab may
 * append, seqs stay dense and strictly increasing, and no lock is needed to
 * write (DESIGN §2: "writes go through one transaction per operation").
 */
export class OutboxLog {
  constructor(
    readonly db: IDBPDatabase,
    private readonly durability: Durability,
  ) {}

  /** Appends messages as one record in one transaction: the group commit of concurrent sends. */
  async append(messages: readonly NewMessage[]): Promise<SendReceipt[]> {
    try {
      const tx = this.db.transaction([META, LOG], "readwrite", { durability: this.durability });
      const receipts = await this.appendWithin(tx as unknown as AnyTx, messages);
      await tx.done;
      return receipts;
    } catch (cause) {
      throw fromIdbError(cause, "append to the outbox");
    }
  }

  /**
   * Appends inside a transaction the caller owns (which must include the
   * outbox's META and LOG stores): the transactional outbox's building block.
   * Call `reserve` first, while nothing else is pending in the transaction.
   */
  async reserve(tx: AnyTx): Promise<ProducerMeta> {
    return (await tx.objectStore(META).get("producer")) as ProducerMeta;
  }

  /** Writes `messages` at the producer's next seqs; the caller awaits `tx.done`. */
  writeWithin(
    tx: AnyTx,
    producer: ProducerMeta,
    messages: readonly NewMessage[],
    now = Date.now(),
  ): SendReceipt[] {
    if (messages.length === 0) return [];
    const first = producer.nextSeq;
    const logged: LoggedMessage[] = messages.map((m, i) => ({
      seq: first + i,
      body: m.body,
      options: m.options,
      queuedAt: now,
    }));
    const record: LogRecord = { first, messages: logged };
    settled(tx.objectStore(LOG).put(record, first));
    settled(
      tx
        .objectStore(META)
        .put({ ...producer, nextSeq: first + messages.length } satisfies ProducerMeta, "producer"),
    );
    return logged.map((m) => ({
      id: messageId(producer.producerId, m.seq),
      producerId: producer.producerId,
      seq: m.seq,
      queuedAt: now,
    }));
  }

  /** Up to `max` messages after `doneSeq`, in seq order, within about `maxBytes` of JSON. */
  async pending(max: number, maxBytes: number): Promise<LoggedMessage[]> {
    try {
      const tx = this.db.transaction([META, LOG], "readonly");
      const progress = await this.progressIn(tx as unknown as AnyTx);
      const out: LoggedMessage[] = [];
      let bytes = 0;
      // Fully handled records are deleted on completion, so the first one holds doneSeq + 1.
      let cursor = await tx.objectStore(LOG).openCursor();
      while (cursor && out.length < max) {
        for (const message of (cursor.value as LogRecord).messages) {
          if (message.seq <= progress.doneSeq) continue;
          const size = approximateSize(message);
          // Always take one, however big: the broker is the judge of its size.
          if (out.length > 0 && (out.length >= max || bytes + size > maxBytes)) return out;
          out.push(message);
          bytes += size;
        }
        cursor = await cursor.continue();
      }
      return out;
    } catch (cause) {
      throw fromIdbError(cause, "read the outbox");
    }
  }

  /** Records what the broker did with a prefix of the pending messages, and frees their space. */
  async complete(done: Completion): Promise<void> {
    try {
      const tx = this.db.transaction([META, LOG, DEAD], "readwrite", {
        durability: this.durability,
      });
      const progress = await this.progressIn(tx as unknown as AnyTx);
      // Another tab may have completed this range already (a takeover raced a late answer).
      if (done.doneSeq <= progress.doneSeq) {
        await tx.done;
        return;
      }
      const next: ProgressMeta = {
        doneSeq: done.doneSeq,
        acknowledged: progress.acknowledged + done.acknowledged,
        deadLetters: progress.deadLetters + done.deadLetters.length,
        lastSync: done.at,
      };
      settled(tx.objectStore(META).put(next, "progress"));
      for (const dead of done.deadLetters) settled(tx.objectStore(DEAD).put(dead, dead.seq));
      let cursor = await tx.objectStore(LOG).openCursor();
      while (cursor) {
        const record = cursor.value as LogRecord;
        const last = record.first + record.messages.length - 1;
        if (last > done.doneSeq) break;
        settled(cursor.delete());
        cursor = await cursor.continue();
      }
      await tx.done;
    } catch (cause) {
      throw fromIdbError(cause, "record the broker's answer");
    }
  }

  async producer(): Promise<ProducerMeta> {
    return (await this.db.get(META, "producer")) as ProducerMeta;
  }

  async progress(): Promise<ProgressMeta> {
    return ((await this.db.get(META, "progress")) as ProgressMeta | undefined) ?? INITIAL_PROGRESS;
  }

  async deadLetters(limit = 100): Promise<OutboxDeadLetter[]> {
    return (await this.db.getAll(DEAD, undefined, limit)) as DeadRecord[];
  }

  /** Removes dead letters the app has dealt with. */
  async discardDeadLetters(seqs: readonly number[]): Promise<void> {
    const tx = this.db.transaction(DEAD, "readwrite", { durability: this.durability });
    for (const seq of seqs) settled(tx.store.delete(seq));
    await tx.done;
  }

  private async appendWithin(tx: AnyTx, messages: readonly NewMessage[]): Promise<SendReceipt[]> {
    return this.writeWithin(tx, await this.reserve(tx), messages);
  }

  private async progressIn(tx: AnyTx): Promise<ProgressMeta> {
    return (
      ((await tx.objectStore(META).get("progress")) as ProgressMeta | undefined) ?? INITIAL_PROGRESS
    );
  }
}

/** JSON length as a stand-in for wire size; bytes travel as base64 (4/3). */
function approximateSize(message: LoggedMessage): number {
  const body =
    message.body instanceof Uint8Array
      ? Math.ceil(message.body.byteLength / 3) * 4
      : JSON.stringify(message.body).length;
  return body + JSON.stringify(message.options).length + 32;
}
