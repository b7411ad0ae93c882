/**
 * The benchmark's Worker: the real edgeq Worker, plus a `RawDO` that does the
 * same work with plain SQL and nothing else — the edge's limit, measured
 * through the same HTTP path and runtime as edgeq itself: INSERTs for
 * produce; for lease mode, one call that selects the oldest visible rows and
 * marks them leased, and one that deletes the acknowledged ones.
 */
import { DurableObject } from "cloudflare:workers";
import app from "../../src/index.js";

export {
  QueueDO,
  RateLimiterDO,
  ReplicaDO,
  StreamDO,
  TopicRegistryDO,
} from "../../src/index.js";

interface BenchEnv extends Env {
  RAW: DurableObjectNamespace<RawDO>;
}

export class RawDO extends DurableObject<BenchEnv> {
  /** Numbers each receive's lease, so a receipt from an older lease acks nothing. */
  #lease = 0;

  constructor(ctx: DurableObjectState, env: BenchEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, producer TEXT, seq INTEGER, body TEXT," +
        " visible_at INTEGER NOT NULL DEFAULT 0, lease INTEGER NOT NULL DEFAULT 0)",
    );
  }

  override async fetch(request: Request): Promise<Response> {
    const action = new URL(request.url).pathname.slice("/__bench/raw".length);
    if (action === "") return this.insert(request);
    if (action === "/receive") return this.receive(request);
    if (action === "/ack") return this.ack(request);
    return new Response("no such raw action", { status: 404 });
  }

  private async insert(request: Request): Promise<Response> {
    const { producerId, messages } = (await request.json()) as {
      producerId: string;
      messages: Array<{ seq: number; body: unknown }>;
    };
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const m of messages)
        sql.exec(
          "INSERT INTO raw (producer, seq, body) VALUES (?, ?, ?)",
          producerId,
          m.seq,
          JSON.stringify(m.body),
        );
    });
    return Response.json({ inserted: messages.length });
  }

  /** Leases up to `max` of the oldest visible rows for `visibilityMs`: one statement, bodies spliced in as stored. */
  private async receive(request: Request): Promise<Response> {
    const { max, visibilityMs } = (await request.json()) as { max: number; visibilityMs: number };
    const now = Date.now();
    const lease = ++this.#lease;
    const rows = this.ctx.storage.sql
      .exec<{ id: number; body: string }>(
        "UPDATE raw SET lease = ?, visible_at = ? WHERE id IN" +
          " (SELECT id FROM raw WHERE visible_at <= ? ORDER BY id LIMIT ?) RETURNING id, body",
        lease,
        now + visibilityMs,
        now,
        max,
      )
      .toArray();
    const messages = rows.map((r) => `{"receipt":"${r.id}.${lease}","body":${r.body}}`);
    return new Response(`{"messages":[${messages.join(",")}]}`, {
      headers: { "content-type": "application/json" },
    });
  }

  /** Deletes the rows whose receipts still hold their lease. */
  private async ack(request: Request): Promise<Response> {
    const { receipts } = (await request.json()) as { receipts: string[] };
    const sql = this.ctx.storage.sql;
    let acked = 0;
    this.ctx.storage.transactionSync(() => {
      for (const receipt of receipts) {
        const [id, lease] = receipt.split(".").map(Number);
        acked += sql.exec("DELETE FROM raw WHERE id = ? AND lease = ?", id, lease).rowsWritten;
      }
    });
    return Response.json({ acked });
  }
}

export default {
  fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Response | Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__bench/raw")) {
      // One object per topic queue, like edgeq: the name carries the queue.
      const name = url.searchParams.get("queue") ?? "0";
      return env.RAW.get(env.RAW.idFromName(name)).fetch(request);
    }
    return app.fetch(request, env, ctx);
  },
};
