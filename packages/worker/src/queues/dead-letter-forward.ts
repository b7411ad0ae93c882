import type { DeadLetter } from "@edgeq/core";
import type { TopicRouter } from "@edgeq/core/engine";
import { topicRouter } from "../broker/topics.js";
import { sha256Hex } from "../http/auth/principal.js";
import { deadLetterHeaders } from "./dead-letter-headers.js";

/** Most dead letters moved per call: one page of the group's dead-letter queue. */
const PAGE = 100;

/**
 * Moves a group's dead letters to its `deadLetterTopic` setting (Cloudflare's
 * `dead_letter_queue` of a pull consumer), oldest first. Each goes with its
 * body, key, tags and headers, plus its original id and timestamp and where
 * and why it died (`deadLetterHeaders`), so the consumer of the dead-letter
 * topic sees the message it failed, not a copy with a new identity. The copy
 * is produced with a producer id of (topic, queue, group) and the message's
 * offset as seq, and only then dropped from the group's own dead-letter
 * queue: a crash between the two produces nothing twice. Answers how many moved.
 */
export async function forwardDeadLetters(
  env: Env,
  router: TopicRouter,
  group: string,
): Promise<number> {
  const { deadLetterTopic } = await router.groupSettings(group);
  if (deadLetterTopic === undefined) return 0;
  const dead = await router.listDeadLetters(group, PAGE);
  if (dead.length === 0) return 0;
  const target = await topicRouter(env, deadLetterTopic);
  const byQueue = new Map<number, DeadLetter[]>();
  for (const d of dead)
    byQueue.set(d.message.queueId, [...(byQueue.get(d.message.queueId) ?? []), d]);
  for (const [queueId, letters] of byQueue) {
    const producerId = `dlq.${(await sha256Hex(`${router.topic}|${queueId}|${group}`)).slice(0, 40)}`;
    await target.send({
      producerId,
      messages: letters.map(({ message: m, reason, deadAt }) => ({
        body: m.body,
        seq: m.offset,
        ...(m.key === undefined ? {} : { key: m.key }),
        ...(m.tags.length === 0 ? {} : { tags: m.tags }),
        headers: deadLetterHeaders(m, `${router.topic}/${group}`, reason, deadAt),
      })),
    });
  }
  return router.discardDeadLetters(group, { msgIds: dead.map((d) => d.message.msgId) });
}
