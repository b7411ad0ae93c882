import { EdgeqError, type JsonValue } from "@edgeq/core";
import {
  rangeBounds,
  type Store,
  type StoreEntry,
  type StoreOp,
  type StoreRange,
} from "@edgeq/core/store";

/** Options of `openSqliteStore`. */
export interface SqliteStoreOptions {
  /** Table holding the records. Default `edgeq_kv`. */
  table?: string;
}

const TABLE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** A Durable Object's SQL binds at most 100 parameters per statement (platform limits). */
const MAX_BINDINGS = 100;
const PUTS_PER_STATEMENT = MAX_BINDINGS / 2;
const DELETES_PER_STATEMENT = MAX_BINDINGS;

/** `n` copies of `row`, comma-separated: the placeholders of a multi-row statement. */
function rows(n: number, row: string): string {
  return Array.from({ length: n }, () => row).join(", ");
}

/**
 * The core's Store over a Durable Object's SQLite storage: one table of
 * (key, JSON value), keys compared with SQLite's default BINARY collation,
 * which for the engine's printable-ASCII keys is JavaScript's string order.
 *
 * Durability: every `write` runs in one `transactionSync`, so it is atomic.
 * Its promise resolves once SQLite applied it; the Durable Object output gate
 * then holds every response (HTTP or RPC) until the write is durable, so no
 * caller hears "stored" about a write that could still be lost.
 *
 * Async like every store's open (`openMemoryStore`, `openIdbStore`), though
 * it does no I/O: the table is created by one synchronous statement.
 */
export async function openSqliteStore(
  storage: DurableObjectStorage,
  options: SqliteStoreOptions = {},
): Promise<Store> {
  const table = options.table ?? "edgeq_kv";
  if (!TABLE.test(table)) throw new EdgeqError("invalid_request", `bad table name ${table}`);
  const sql = storage.sql;
  // A rowid table, not WITHOUT ROWID: segments are rows of tens to hundreds of KiB,
  // and in a WITHOUT ROWID b-tree (meant for rows under ~1/20 of a page) they made
  // every small put (meta, producer, pending) cost ~200 µs instead of ~5 µs here.
  // Tables created before keep their layout; both order keys alike.
  sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
  let closed = false;
  const open = () => {
    if (closed) throw new EdgeqError("closed", "store is closed");
  };

  return {
    async get(key: string): Promise<JsonValue | undefined> {
      open();
      const row = sql.exec<{ v: string }>(`SELECT v FROM ${table} WHERE k = ?`, key).toArray()[0];
      return row === undefined ? undefined : (JSON.parse(row.v) as JsonValue);
    },

    async scan(range: StoreRange): Promise<StoreEntry[]> {
      open();
      const { start, end } = rangeBounds(range);
      if (range.limit !== undefined && range.limit <= 0) return [];
      const where = end === undefined ? "k >= ?" : "k >= ? AND k < ?";
      const bindings: Array<string | number> = end === undefined ? [start] : [start, end];
      const order = range.reverse ? "DESC" : "ASC";
      const limit = range.limit === undefined ? "" : " LIMIT ?";
      if (range.limit !== undefined) bindings.push(range.limit);
      const cursor = sql.exec<{ k: string; v: string }>(
        `SELECT k, v FROM ${table} WHERE ${where} ORDER BY k ${order}${limit}`,
        ...bindings,
      );
      const out: StoreEntry[] = [];
      for (const row of cursor) out.push([row.k, JSON.parse(row.v) as JsonValue]);
      return out;
    },

    async write(ops: readonly StoreOp[]): Promise<void> {
      open();
      // Serialise first: a value JSON cannot carry fails the batch before any row changes.
      const prepared = ops.map((op) =>
        op.type === "put" ? { ...op, json: JSON.stringify(op.value) } : op,
      );
      storage.transactionSync(() => {
        // Runs of puts and of deletes go in as few statements as the bound-parameter
        // limit allows: each `exec` costs more than the row it writes. Runs keep
        // the ops' order, and a row of a multi-row INSERT replaces the rows before it.
        for (let at = 0; at < prepared.length; ) {
          const op = prepared[at]!;
          if (op.type === "deleteRange") {
            sql.exec(`DELETE FROM ${table} WHERE k >= ? AND k < ?`, op.start, op.end);
            at++;
            continue;
          }
          const perStatement = op.type === "put" ? PUTS_PER_STATEMENT : DELETES_PER_STATEMENT;
          let end = at + 1;
          while (
            end < prepared.length &&
            end - at < perStatement &&
            prepared[end]!.type === op.type
          )
            end++;
          const run = prepared.slice(at, end);
          if (op.type === "put") {
            const values: string[] = [];
            for (const p of run as Array<{ key: string; json: string }>) values.push(p.key, p.json);
            sql.exec(
              `INSERT OR REPLACE INTO ${table} (k, v) VALUES ${rows(run.length, "(?, ?)")}`,
              ...values,
            );
          } else {
            const keys = (run as Array<{ key: string }>).map((d) => d.key);
            sql.exec(`DELETE FROM ${table} WHERE k IN (${rows(run.length, "?")})`, ...keys);
          }
          at = end;
        }
      });
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}
