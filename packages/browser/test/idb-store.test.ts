import type { Store } from "@edgeq/core/store";
import { runBrokerBehaviour, runStoreConformance } from "@edgeq/core/testing";
import { deleteDB } from "idb";
import { IdbStore, openIdbStore } from "../src/store/idb-store.js";

// Every store gets its own database so tests never see each other's records.
let n = 0;
const harness = {
  async create() {
    const name = `edgeq-conformance-${Date.now()}-${n++}`;
    await deleteDB(name);
    return openIdbStore(name);
  },
  // A real reopen: the connection is closed and a new one opened on the same database.
  async reopen(store: Store) {
    if (!(store instanceof IdbStore)) throw new Error("not an IdbStore");
    await store.close();
    return openIdbStore(store.db.name);
  },
};

runStoreConformance({ name: "IdbStore", ...harness });
runBrokerBehaviour({ name: "IdbStore", ...harness });
