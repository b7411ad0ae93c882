import { startQueueConsumer } from "../shared/consumer-start.js";
import { topicConfig } from "./topics.js";

// Per env object (per isolate in production): the consumer objects this isolate started.
const started = new WeakMap<object, Set<string>>();

/**
 * After a produce to `topic`: starts each of its `consumerObjects` that this
 * isolate has not started yet (`startQueueConsumer` arms the object's alarm
 * unless it is armed; from then on it keeps itself running). A binding the
 * Worker lacks, or a start that fails, is logged and never fails the
 * produce, whose messages are stored already; the next produce tries again.
 */
export async function wakeConsumers(env: Env, topic: string): Promise<void> {
  // The isolate's copy of the settings: no call of its own.
  const names = (await topicConfig(env, topic)).consumerObjects;
  if (!names?.length) return;
  let done = started.get(env);
  if (!done) {
    done = new Set();
    started.set(env, done);
  }
  for (const name of names) {
    const key = `${topic}|${name}`;
    if (done.has(key)) continue;
    // A binding is an own property of env, never an inherited member.
    const binding = Object.hasOwn(env, name)
      ? (env as unknown as Record<string, unknown>)[name]
      : undefined;
    if (!binding) {
      console.error(`edgeq: topic ${topic}: no binding ${name} to start its consumer`);
      continue;
    }
    try {
      await startQueueConsumer(binding as DurableObjectNamespace);
      done.add(key);
    } catch (error) {
      console.error(`edgeq: topic ${topic}: could not start consumer ${name}`, error);
    }
  }
}
