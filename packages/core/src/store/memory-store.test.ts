import { runBrokerBehaviour, runStoreConformance } from "../testing/index.js";
import { type MemoryStore, openMemoryStore } from "./memory-store.js";

const harness = {
  name: "MemoryStore",
  create: async () => await openMemoryStore(),
  reopen: async (store: import("./store.js").Store) => {
    await store.close();
    return await openMemoryStore({ storage: (store as MemoryStore).storage });
  },
};

runStoreConformance(harness);
runBrokerBehaviour(harness);
