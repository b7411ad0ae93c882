export {
  type Durability,
  IdbStore,
  type IdbStoreOptions,
  openIdbStore,
} from "./store/idb-store.js";
