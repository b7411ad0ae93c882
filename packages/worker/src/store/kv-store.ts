import {
  EdgeqError,
  type JsonValue,
  rangeBounds,
  type Store,
  type StoreEntry,
  type StoreOp,
  type StoreRange,
} from "@edgeq/core";

/** Options of `createKvStore`. */
export interface KvStoreOptions {
  /**
   * Let responses leave before the write is confirmed on disk
   * (`allowUnconfirmed`): the `async` durability mode. Default false.
   */
  allowUnconfirmed?: boolean;
}

/**
 * The core's Store over a Durable Object's key-value API (which SQLite-backed
 * objects keep in SQLite too). It exists for one reason: `allowUnconfirmed`,
 * which the SQL API lacks. With it, the output gate no longer holds the
 * answer until the write is durable, trading a window of possible loss on a
 * machine crash for latency (see the README's durability section).
 *
 * Atomicity: a `write` issues all its puts and deletes without an `await`
 * between them, and the runtime coalesces such writes into one atomic batch.
 * A `deleteRange` is resolved into keys first (the engine is the single
 * writer of its keys, so none appear in between).
 */
export function createKvStore(storage: DurableObjectStorage, options: KvStoreOptions = {}): Store {
  const put = { allowUnconfirmed: options.allowUnconfirmed ?? false };
  let closed = false;
  const open = () => {
    if (closed) throw new EdgeqError("closed", "store is closed");
  };

  return {
    async get(key: string): Promise<JsonValue | undefined> {
      open();
      return storage.get<JsonValue>(key);
    },

    async scan(range: StoreRange): Promise<StoreEntry[]> {
      open();
      if (range.limit !== undefined && range.limit <= 0) return [];
      const { start, end } = rangeBounds(range);
      if (end !== undefined && end <= start) return [];
      const listed = await storage.list<JsonValue>({
        start,
        ...(end === undefined ? {} : { end }),
        ...(range.reverse ? { reverse: true } : {}),
        ...(range.limit === undefined ? {} : { limit: range.limit }),
      });
      return [...listed.entries()];
    },

    async write(ops: readonly StoreOp[]): Promise<void> {
      open();
      // Check what JSON cannot carry before anything is written, as the SQL store does.
      for (const op of ops) if (op.type === "put") JSON.stringify(op.value);
      const ranges = await Promise.all(
        ops.map((op) =>
          op.type === "deleteRange" && op.start < op.end
            ? storage.list({ start: op.start, end: op.end }).then((m) => [...m.keys()])
            : Promise.resolve([]),
        ),
      );
      // From here to the end of the loop: no await, so the runtime commits it all at once.
      const pending: Array<Promise<unknown>> = [];
      ops.forEach((op, i) => {
        if (op.type === "put") pending.push(storage.put(op.key, structuredClone(op.value), put));
        else if (op.type === "delete") pending.push(storage.delete(op.key, put));
        else
          for (let at = 0; at < ranges[i]!.length; at += 128)
            pending.push(storage.delete(ranges[i]!.slice(at, at + 128), put));
      });
      await Promise.all(pending);
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}
