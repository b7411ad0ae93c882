/**
 * `@edgeq/core/replication`: a {@link ReplicatedStore} that ships every
 * committed write to replicas, the applier a replica runs, and the types of
 * the replication feed (docs/architecture.md, "Replication").
 * @module
 */
export { LocalReplicaLink } from "./local-replica-link.js";
export { ReplicaApplier, type ReplicaApplierOptions } from "./replica-applier.js";
export { readReplica } from "./replica-reader.js";
export {
  openReplicatedStore,
  type ReplicatedStore,
  type ReplicatedStoreOptions,
} from "./replicated-store.js";
export type { ReplicationRecord } from "./replication-log.js";
export type * from "./replication-types.js";
