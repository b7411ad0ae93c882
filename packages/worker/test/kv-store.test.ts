import { runBrokerBehaviour, runStoreConformance } from "@edgeq/core/testing";
import { createKvStore } from "../src/store/kv-store.js";
import { durableObjectHarness } from "./store-probe.js";

// The store behind `async` durability, with unconfirmed writes as in production.
const harness = {
  name: "KvStore, allowUnconfirmed (Durable Object)",
  ...durableObjectHarness((storage) => createKvStore(storage, { allowUnconfirmed: true })),
};

runStoreConformance(harness);
runBrokerBehaviour(harness);
