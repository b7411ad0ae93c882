import type { DurableProducer } from "../client/durable/durable-producer.js";

/**
 * Flushes until a flush sees no failed sync attempt: each failure (a fault a
 * test injected, a broker still coming back) rejects the flushes waiting,
 * so a test that expects delivery after faults asks again, a bounded number
 * of times, instead of sleeping.
 */
export async function flushed(producer: DurableProducer, attempts = 20): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await producer.flush();
    } catch (error) {
      if (i >= attempts) throw error;
    }
  }
}
