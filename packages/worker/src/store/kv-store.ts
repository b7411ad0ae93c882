import { EdgeqError, type JsonValue } from "@edgeq/core";
import {
  rangeBounds,
  type Store,
  type StoreEntry,
  type StoreOp,
  type StoreRange,
} from "@edgeq/core/store";

/** Options of `openKvStore`. */
export interface KvStoreOptions {
  /**
   * Let responses leave before the write is confirmed on disk
   * (`allowUnconfirmed`): the `async` durability mode. Default false.
   */
  allowUnconfirmed?: boolean;
}

/**
 * A value as stored: its JSON text as UTF-8 bytes, which the key-value API
 * copies as one block, where a record of many small objects (a segment of
 * 1,000 messages) cost a structured clone of each (five times a
 * `JSON.stringify` of it here). Objects written before this was done are
 * values themselves, and still read as such: no JSON value is a byte array.
 */
type Stored = Uint8Array | JsonValue;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function encode(value: JsonValue): Uint8Array {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new EdgeqError("invalid_request", "a stored value must be JSON");
  return encoder.encode(text);
}

function decode(stored: Stored): JsonValue {
  return stored instanceof Uint8Array ? (JSON.parse(decoder.decode(stored)) as JsonValue) : stored;
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
export async function openKvStore(
  storage: DurableObjectStorage,
  options: KvStoreOptions = {},
): Promise<Store> {
  const put = { allowUnconfirmed: options.allowUnconfirmed ?? false };
  let closed = false;
  const open = () => {
    if (closed) throw new EdgeqError("closed", "store is closed");
  };

  return {
    async get(key: string): Promise<JsonValue | undefined> {
      open();
      const stored = await storage.get<Stored>(key);
      return stored === undefined ? undefined : decode(stored);
    },

    async scan(range: StoreRange): Promise<StoreEntry[]> {
      open();
      if (range.limit !== undefined && range.limit <= 0) return [];
      const { start, end } = rangeBounds(range);
      if (end !== undefined && end <= start) return [];
      const listed = await storage.list<Stored>({
        start,
        ...(end === undefined ? {} : { end }),
        ...(range.reverse ? { reverse: true } : {}),
        ...(range.limit === undefined ? {} : { limit: range.limit }),
      });
      const out: StoreEntry[] = [];
      for (const [key, stored] of listed) out.push([key, decode(stored)]);
      return out;
    },

    async write(ops: readonly StoreOp[]): Promise<void> {
      open();
      // Encode first: what JSON cannot carry fails the batch before anything is written.
      const encoded = ops.map((op) => (op.type === "put" ? encode(op.value) : undefined));
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
        if (op.type === "put") pending.push(storage.put(op.key, encoded[i]!, put));
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
