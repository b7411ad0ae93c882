/**
 * Where a TopicRouter's rotations live, so they outlive the router: the
 * in-process Broker keeps one for its lifetime; the edge Worker, which makes a
 * router per request, keeps one per isolate (module scope). Two rotations:
 *
 * - anonymous messages (no key, no producer): each goes to the topic's next
 *   queue, within a batch and across batches, so consecutive requests of one
 *   message each take turns too;
 * - lease receives: per consumer group, the queue the group's next receive
 *   starts at, which is the queue after the last one that served it, so a
 *   queue with messages is reached within `queueCount` receives.
 *
 * Every rotation starts at a random queue. That is what spreads the load
 * across isolates (and across restarts): each isolate is exactly
 * round-robin, and isolates do not all start at queue 0. Nothing is
 * persisted: keeping a group's position in a Durable Object would cost a call
 * per receive, and losing it (a new isolate) only restarts the turn at a
 * random queue. The per-group map is bounded (least recently used goes first).
 */
export class RouterRotations {
  private readonly sends = new Map<string, number>();
  private readonly groups = new Map<string, number>();

  constructor(
    private readonly random: () => number = Math.random,
    /** Most groups remembered; a forgotten group restarts at a random queue. */
    private readonly maxGroups = 4096,
  ) {}

  /** The queue of the next anonymous message of `topic`; advances the rotation. */
  nextSend(topic: string, queueCount: number): number {
    const at = this.sends.get(topic) ?? this.randomQueue(queueCount);
    this.sends.set(topic, (at + 1) % queueCount);
    return at % queueCount;
  }

  /**
   * The queue where `group`'s receive on `topic` starts. It moves the start
   * on by one at once, so a concurrent receive of the same group starts at
   * the next queue instead of the same one; `served` then moves it past the
   * last queue that actually served.
   */
  receiveStart(topic: string, group: string, queueCount: number): number {
    const key = groupKey(topic, group);
    const at = (this.groups.get(key) ?? this.randomQueue(queueCount)) % queueCount;
    this.remember(key, (at + 1) % queueCount);
    return at;
  }

  /** `group`'s receive was served last by `queueId`: its next receive starts after it. */
  served(topic: string, group: string, queueId: number, queueCount: number): void {
    this.remember(groupKey(topic, group), (queueId + 1) % queueCount);
  }

  private remember(key: string, next: number): void {
    this.groups.delete(key);
    this.groups.set(key, next);
    if (this.groups.size > this.maxGroups) {
      const oldest = this.groups.keys().next().value;
      if (oldest !== undefined) this.groups.delete(oldest);
    }
  }

  private randomQueue(queueCount: number): number {
    return Math.min(queueCount - 1, Math.floor(this.random() * queueCount));
  }
}

function groupKey(topic: string, group: string): string {
  // Topic names never contain "|" (assertName), so the key is unambiguous.
  return `${topic}|${group}`;
}
