import { Hono } from "hono";
import { wakeConsumers } from "../broker/consumer-wake.js";
import type { AppEnv } from "./app-env.js";
import { charge, need, scopeOf } from "./guards.js";
import { jsonBody, transactionToWire } from "./wire.js";

/** Produce and transactions under `/v1/topics` (docs/protocol.md, Produce, Transactions): right `produce`. */
export function createProduceRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post(`/:topic/messages`, need("produce"), async (c) => {
    const body = await jsonBody(c);
    const results = await c.var.router.send(body, scopeOf(c), (count) =>
      charge(c, "produce", count),
    );
    await wakeConsumers(c.env, c.var.router.topic);
    // Half messages: the transaction to commit or roll back.
    const txId = body.transactional === true ? results[0]?.txId : undefined;
    return c.json(txId === undefined ? { results } : { results, txId });
  });

  app.post(`/:topic/transactions/:txId`, need("produce"), async (c) => {
    const { action } = await jsonBody(c);
    const info = await c.var.router.endTransaction(
      c.req.param("txId"),
      action,
      "producer",
      scopeOf(c),
    );
    return c.json(transactionToWire(info));
  });

  app.get(`/:topic/transactions`, need("produce"), async (c) => {
    const producerId = c.req.query("producerId");
    const state = c.req.query("state");
    const transactions = await c.var.router.listTransactions({
      ...(producerId === undefined ? {} : { producerId }),
      ...(state === undefined ? {} : { state }),
      scope: scopeOf(c),
    });
    return c.json({ transactions: transactions.map(transactionToWire) });
  });

  return app;
}
