import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { runBrokerBehaviour, runStoreConformance } from "@edgeq/core/testing";
import { describe, expect, it } from "vitest";
import { openKvStore } from "../src/store/kv-store.js";
import { durableObjectHarness } from "./store-probe.js";

// The store behind `async` durability, with unconfirmed writes as in production.
const harness = {
  name: "KvStore, allowUnconfirmed (Durable Object)",
  ...durableObjectHarness((storage) => openKvStore(storage, { allowUnconfirmed: true })),
};

runStoreConformance(harness);
runBrokerBehaviour(harness);

describe("KvStore over records of older versions", () => {
  it("reads values stored as themselves, before they were stored as JSON text", async () => {
    const stub = env.QUEUE.get(env.QUEUE.idFromName(crypto.randomUUID()));
    const read = await runInDurableObject(stub, async (_, state) => {
      // As the store wrote them before: the values themselves.
      await state.storage.put("old|1", { head: 7, runs: [[1, 2, 3, 0]] });
      await state.storage.put("old|2", "text");
      const store = await openKvStore(state.storage);
      await store.write([{ type: "put", key: "old|3", value: { head: 8 } }]);
      return { one: await store.get("old|1"), all: await store.scan({ prefix: "old|" }) };
    });
    expect(read.one).toEqual({ head: 7, runs: [[1, 2, 3, 0]] });
    expect(read.all).toEqual([
      ["old|1", { head: 7, runs: [[1, 2, 3, 0]] }],
      ["old|2", "text"],
      ["old|3", { head: 8 }],
    ]);
  });
});
