import { QueueDO } from "./queue-do.js";

/**
 * A replica of a replicated queue (topic setting `replication`): the same
 * object as QueueDO, in its own namespace so that replicas are placed (location
 * hints), listed and billed apart from the queues themselves. It applies its
 * primary's batches (`replicaApply`, `replicaSnapshot`) and, once promoted,
 * runs the queue's engine like the QueueDO it replaces.
 */
export class ReplicaDO extends QueueDO {}
