/**
 * How a consumer object is started: what the producer's first send, the
 * broker after a produce (`consumerObjects`) and `startQueueConsumer` all
 * call. At the bottom, so the broker and the Queues drop-in share it
 * without importing each other.
 */

/** The RPC face of a consumer object: `start()` arms its alarm if it is not armed yet. */
export interface QueueConsumerObjectStub {
  /** Arms the drain alarm unless it is armed already. */
  start(): Promise<void>;
}

/** Arms the consumer object named `name` (one object per consumer; default "consumer"). */
export async function startQueueConsumer(
  namespace: DurableObjectNamespace,
  name = "consumer",
): Promise<void> {
  const stub = namespace.get(namespace.idFromName(name)) as unknown as QueueConsumerObjectStub;
  await stub.start();
}
