import { runBrokerBehaviour, runStoreConformance } from "../testing/index.js";
import { MemoryStore } from "./memory-store.js";

const harness = {
  name: "MemoryStore",
  create: async () => new MemoryStore(),
  reopen: async (store: import("./store.js").Store) => {
    await store.close();
    return new MemoryStore({ storage: (store as MemoryStore).storage });
  },
};

runStoreConformance(harness);
runBrokerBehaviour(harness);
