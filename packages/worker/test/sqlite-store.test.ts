import { runBrokerBehaviour, runStoreConformance } from "@edgeq/core/testing";
import { openSqliteStore } from "../src/store/sqlite-store.js";
import { durableObjectHarness } from "./store-probe.js";

const harness = {
  name: "SqliteStore (Durable Object)",
  ...durableObjectHarness((storage) => openSqliteStore(storage, { table: "probe_kv" })),
};

runStoreConformance(harness);
runBrokerBehaviour(harness);
