import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpTransport, Producer } from "@edgeq/core";
import { afterEach, expect, it } from "vitest";
import { type LocalBroker, startLocalBroker } from "./local-broker.js";

const TOKEN = "tx-token";
let broker: LocalBroker | undefined;
let dir: string | undefined;

afterEach(async () => {
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<LocalBroker> {
  dir ??= await mkdtemp(join(tmpdir(), "edgeq-tx-restart-"));
  return startLocalBroker({
    persistDir: dir,
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume"] }] },
    topics: { orders: { queueCount: 2, transactionCheckIntervalMs: 200 } },
  });
}

it("keeps an undecided transaction across a restart; the producer's check-back then commits it", async () => {
  broker = await start();
  const before = new Producer(new HttpTransport({ url: broker.url, token: TOKEN }), {
    topic: "orders",
    producerId: "tx-restart",
  });
  // The local step's outcome is unknown when the runtime dies.
  const sent = await before.sendInTransaction(
    [
      { body: "order-1", key: "a" },
      { body: "order-2", key: "b" },
    ],
    () => "unknown",
  );
  expect(sent.state).toBe("unknown");

  await broker.stop();
  broker = await start();
  const transport = new HttpTransport({ url: broker.url, token: TOKEN });
  const visible = async () => {
    const bodies: unknown[] = [];
    for (const q of [0, 1])
      bodies.push(...(await transport.read("orders", q, { from: 0 })).messages.map((m) => m.body));
    return bodies.sort();
  };
  expect(await visible()).toEqual([]);
  expect((await transport.listTransactions("orders")).map((t) => t.txId)).toEqual([sent.txId]);

  // A restarted producer answers the broker's check-back by polling over HTTP.
  const after = new Producer(transport, { topic: "orders", producerId: "tx-restart" });
  const checked: string[] = [];
  const stop = after.startTransactionChecks(
    (tx) => {
      checked.push(tx.txId);
      return "commit";
    },
    { intervalMs: 100 },
  );
  try {
    await expect.poll(visible, { timeout: 15_000, interval: 100 }).toEqual(["order-1", "order-2"]);
  } finally {
    stop();
  }
  expect(checked).toContain(sent.txId);
  expect(await transport.listTransactions("orders")).toEqual([]);
});
