/**
 * The benchmark's Worker: the real edgeq Worker, plus a `RawDO` that inserts
 * the same rows with plain SQL and nothing else — the edge's limit, measured
 * through the same HTTP path and runtime as edgeq itself.
 */
import { DurableObject } from "cloudflare:workers";
import app from "../../src/index.js";

export { QueueDO, ReplicaDO } from "../../src/index.js";

interface BenchEnv extends Env {
  RAW: DurableObjectNamespace<RawDO>;
}

export class RawDO extends DurableObject<BenchEnv> {
  constructor(ctx: DurableObjectState, env: BenchEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, producer TEXT, seq INTEGER, body TEXT)",
    );
  }

  override async fetch(request: Request): Promise<Response> {
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
}

export default {
  fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Response | Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/raw") {
      // One object per topic queue, like edgeq: the name carries the queue.
      const name = url.searchParams.get("queue") ?? "0";
      return env.RAW.get(env.RAW.idFromName(name)).fetch(request);
    }
    return app.fetch(request, env, ctx);
  },
};
