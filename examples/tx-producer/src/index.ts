import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";
import { Producer, type TransactionCheckResult, type TransactionInfo } from "@edgeq/core";
import { RpcTransport } from "@edgeq/worker/bindings";

interface Env {
  EDGEQ: Fetcher;
  ORDERS: DurableObjectNamespace<Orders>;
  EDGEQ_TOPIC: string;
}

type Order = { id: string; item: string; total: number };

/** The app's own database: orders in a SQLite-backed Durable Object. */
export class Orders extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, item TEXT, total REAL)",
    );
  }
  record(order: Order): void {
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO orders VALUES (?, ?, ?)",
      order.id,
      order.item,
      order.total,
    );
  }
  has(id: string): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM orders WHERE id = ?", id).toArray().length > 0;
  }
}

const orders = (env: Env) => env.ORDERS.get(env.ORDERS.idFromName("orders"));

/** The broker's check-back: "did order X get recorded?" answered from the orders themselves. */
async function check(env: Env, tx: TransactionInfo): Promise<TransactionCheckResult> {
  const id = (tx.messages[0]?.body as { order?: Order } | undefined)?.order?.id;
  if (!id) return "rollback";
  return (await orders(env).has(id)) ? "commit" : "rollback";
}

/** Bound by the edgeq Worker as the topic's `transactionChecker`. */
export class OrdersChecker extends WorkerEntrypoint<Env> {
  checkLocalTransaction(_topic: string, tx: TransactionInfo): Promise<TransactionCheckResult> {
    return check(this.env, tx);
  }
}

export default {
  /**
   * `POST /orders` with an order: records it and publishes `order.created`,
   * both or neither. `?crash=after-write` stops before the decision, as a
   * crashed Worker would: the broker's check-back then finds the order and commits.
   */
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== "/orders")
      return Response.json(
        { error: { code: "not_found", message: "POST /orders" } },
        { status: 404 },
      );
    const order = (await request.json()) as Order;
    const producer = new Producer(new RpcTransport(env.EDGEQ), {
      topic: env.EDGEQ_TOPIC,
      producerId: `orders-${order.id}`,
    });
    const outcome = await producer.sendInTransaction(
      [{ body: { type: "order.created", order }, key: order.id }],
      async () => {
        if (url.searchParams.get("crash") === "before-write") return "unknown";
        await orders(env).record(order);
        return url.searchParams.get("crash") === "after-write" ? "unknown" : "commit";
      },
    );
    return Response.json(outcome);
  },
} satisfies ExportedHandler<Env>;
