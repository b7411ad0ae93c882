import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DurableProducer } from "../src/client/durable/durable-producer.js";
import type { QueuedMessage } from "../src/client/durable/log-records.js";
import type { DurableSend } from "../src/client/durable/producer-log.js";
import { LocalTransport } from "../src/client/local-transport.js";
import { FaultyTransport } from "../src/client/test-support.js";
import type { Transport } from "../src/client/transport.js";
import { ManualClock } from "../src/clock.js";
import { Broker } from "../src/engine/broker.js";
import { EdgeqError } from "../src/errors.js";
import type { Message } from "../src/model.js";
import { MemoryStorage, openMemoryStore } from "../src/store/memory-store.js";
import { ProbedStore } from "../src/testing/harness.js";
import { flushed } from "../src/testing/producer-flush.js";

/**
 * Model-based property test of the durable producer over the real engine:
 * random runs of sends (some refused by the broker, some lost to a failed
 * local write), lost requests, lost answers, failed broker and local writes,
 * producer and broker restarts over their storage, and sync rounds (whole, or
 * cut after a few requests, with a send racing the sync), checked after every
 * step and after a final fault-free drain against what the producer's callers
 * were told:
 * - every message whose send resolved ends up either in the broker's log
 *   exactly once (by producerId and seq) or in the local dead letters with the
 *   broker's reason, never both, never neither; only refused ones are dead;
 * - the broker holds each queue's seqs in send order (so each key's too);
 * - a send that rejected left nothing: its seqs go to the next send, its
 *   bodies never reach the broker;
 * - seqs are dense and strictly increasing under one producer id, across
 *   restarts; `stats()` adds up to the messages sent.
 *
 * Replay a failure with FC_SEED=<seed> (and FC_PATH=<path>) from its report.
 */

const TOPIC = "orders";
const QUEUES = 2;
/** Small enough that a padded body passes the producer's local check and is refused by the broker. */
const MAX_MESSAGE_BYTES = 200;
const KEYS = ["a", "b", "c", undefined] as const;
/** A sync round gives up after this many requests: enough for every fault a run can arm. */
const MAX_REQUESTS_PER_SYNC = 500;

type Key = (typeof KEYS)[number];
interface Spec {
  key: Key;
  /** Over the topic's `maxMessageBytes`: the broker refuses it. */
  big: boolean;
}

type Action =
  /** `groups` are sent in the same tick (one group commit); `localFailure` fails its write. */
  | { t: "send"; groups: Spec[][]; localFailure: boolean }
  | { t: "loseRequest" }
  | { t: "loseAnswer" }
  /** The broker refuses the next request's credentials (a new token comes at once), or asks to retry later. */
  | { t: "unauthorized" }
  | { t: "rateLimited" }
  /** The broker's next store write fails (it may be one queue's part of a batch). */
  | { t: "brokerWriteFailure" }
  /** The producer's next local write fails, whichever it is (a send's, a sync's). */
  | { t: "localWriteFailure" }
  | { t: "restartProducer" }
  | { t: "restartBroker" }
  /** Runs the sync loop until idle, or stops it after `requests`; `race` is sent during the first request. */
  | { t: "sync"; requests: number | undefined; race: Spec[] | undefined };

const spec: fc.Arbitrary<Spec> = fc.record({
  key: fc.constantFrom(...KEYS),
  big: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
});
const batch = fc.array(spec, { minLength: 1, maxLength: 5 });

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant("send" as const),
      groups: fc.oneof(
        { weight: 3, arbitrary: fc.tuple(batch) },
        { weight: 1, arbitrary: fc.array(batch, { minLength: 2, maxLength: 3 }) },
      ),
      localFailure: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("sync" as const),
      requests: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      race: fc.option(batch, { nil: undefined, freq: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: "loseRequest" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "loseAnswer" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "unauthorized" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "rateLimited" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "brokerWriteFailure" as const }) },
  { weight: 2, arbitrary: fc.constant({ t: "localWriteFailure" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "restartProducer" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "restartBroker" as const }) },
);

interface Sent extends Spec {
  seq: number;
  body: { n: number; pad?: string };
}

/** The reference model: what the producer's callers were told. */
class Model {
  /** Messages whose send resolved, by seq. */
  readonly sent = new Map<number, Sent>();
  /** Bodies (`n`) of sends that rejected. */
  readonly rejected = new Set<number>();
  nextSeq = 1;
  /** Body counter: every body is unique. */
  n = 0;
  /** Armed write failures not yet spent, on the producer's store and on the broker's. */
  localArmed = 0;
  brokerArmed = 0;

  bodyOf(s: Spec): Sent["body"] {
    const n = ++this.n;
    return s.big ? { n, pad: "x".repeat(MAX_MESSAGE_BYTES) } : { n };
  }
}

class World {
  readonly clock = new ManualClock();
  readonly brokerStorage = new MemoryStorage();
  readonly producerStorage = new MemoryStorage();
  brokerStore!: ProbedStore;
  broker!: Broker;
  private local!: LocalTransport;
  /**
   * Faults are armed here; it forwards to the LocalTransport of the broker of
   * the moment, so a fault armed before a broker restart fires after it.
   */
  readonly transport = new FaultyTransport(
    new Proxy({} as Transport, {
      get: (_, name) => {
        const value: unknown = Reflect.get(this.local, name);
        return typeof value === "function" ? value.bind(this.local) : value;
      },
    }),
  );
  store!: ProbedStore;
  producer!: DurableProducer;
  producerId!: string;
  readonly model = new Model();
  /** The sync round under way: its stop switch, its request count and bound, the send racing it. */
  private round:
    | { stop: AbortController; requests: number; max: number; race?: () => void }
    | undefined;

  constructor(private readonly batchSize: number) {}

  async openBroker(): Promise<void> {
    this.brokerStore = new ProbedStore(await openMemoryStore({ storage: this.brokerStorage }));
    this.broker = await Broker.open({
      store: this.brokerStore,
      clock: this.clock,
      autoTick: false,
    });
    this.local = new LocalTransport(this.broker);
    this.model.brokerArmed = 0;
  }

  async openProducer(): Promise<void> {
    this.store = new ProbedStore(await openMemoryStore({ storage: this.producerStorage }));
    this.model.localArmed = 0;
    this.producer = await DurableProducer.open(this.store, {
      topic: TOPIC,
      transport: { send: (...a) => this.send(...a) },
      batchSize: this.batchSize,
      // No real waiting: a failed attempt is retried on the next macrotask.
      backoff: { baseMs: 1, maxMs: 1, random: () => 0 },
      syncIntervalMs: 3_600_000,
      clock: this.clock,
      hooks: {
        state: (state) => {
          // A round ends once the loop finds nothing to send.
          if (state === "idle") this.round?.stop.abort();
          // Paused on refused credentials: the host gets a new token at once.
          if (state === "paused") this.producer.resumeAuth();
        },
      },
    });
  }

  /** The producer's transport: counts the round's requests, starts the racing send, stops the round. */
  private async send(...a: Parameters<Transport["send"]>): ReturnType<Transport["send"]> {
    const round = this.round;
    round?.race?.();
    if (round) round.race = undefined;
    try {
      return await this.transport.send(...a);
    } finally {
      if (round && ++round.requests >= round.max) round.stop.abort();
    }
  }

  /** Spends no armed failure itself; tells the model how many writes the step made on each store. */
  private async counting(body: () => Promise<void>): Promise<void> {
    const store = this.store;
    const brokerStore = this.brokerStore;
    const [local, remote] = [store.writes, brokerStore.writes];
    try {
      await body();
    } finally {
      // The stores may have been replaced by a restart meanwhile; that resets the count.
      if (this.store === store)
        this.model.localArmed = Math.max(0, this.model.localArmed - (store.writes - local));
      if (this.brokerStore === brokerStore)
        this.model.brokerArmed = Math.max(
          0,
          this.model.brokerArmed - (brokerStore.writes - remote),
        );
    }
  }

  /** Sends `groups` in one tick; resolves with each group's outcome. */
  private async sendGroups(groups: Spec[][]): Promise<Array<"resolved" | "rejected">> {
    const { model } = this;
    const planned = groups.map((g) => g.map((s) => ({ ...s, body: model.bodyOf(s) })));
    const outcomes = await Promise.allSettled(
      planned.map((g) =>
        this.producer.send(
          g.map(
            (m): DurableSend => ({ body: m.body, ...(m.key === undefined ? {} : { key: m.key }) }),
          ),
        ),
      ),
    );
    return outcomes.map((outcome, i) => {
      const group = planned[i]!;
      if (outcome.status === "rejected") {
        for (const m of group) model.rejected.add(m.body.n);
        return "rejected";
      }
      this.expectNextSeqs(outcome.value);
      for (const [j, m] of group.entries())
        model.sent.set(outcome.value[j]!.seq, { ...m, seq: outcome.value[j]!.seq });
      return "resolved";
    });
  }

  /** Seqs are handed out densely, from where the last resolved send stopped, under the one id. */
  private expectNextSeqs(queued: QueuedMessage[]): void {
    const first = this.model.nextSeq;
    expect(queued.map((q) => [q.producerId, q.seq, q.id])).toEqual(
      queued.map((_, i) => [this.producerId, first + i, `${this.producerId}:${first + i}`]),
    );
    this.model.nextSeq = first + queued.length;
  }

  async apply(a: Action): Promise<void> {
    const { model } = this;
    switch (a.t) {
      case "send":
        return this.counting(async () => {
          if (a.localFailure) {
            this.store.failNextWrites(1);
            model.localArmed++;
          }
          // Sends of one tick share one write: an armed failure fails them all.
          const expected = model.localArmed > 0 ? "rejected" : "resolved";
          const outcomes = await this.sendGroups(a.groups);
          expect(outcomes).toEqual(a.groups.map(() => expected));
        });
      case "loseRequest":
        this.transport.failBefore("send");
        return;
      case "loseAnswer":
        this.transport.failAfter("send");
        return;
      case "unauthorized":
        this.transport.failBefore("send", {
          error: () => new EdgeqError("unauthorized", "the token expired"),
        });
        return;
      case "rateLimited":
        this.transport.failBefore("send", {
          error: () =>
            new EdgeqError("rate_limited", "slow down", { details: { retryAfterMs: 1 } }),
        });
        return;
      case "brokerWriteFailure":
        this.brokerStore.failNextWrites(1);
        model.brokerArmed++;
        return;
      case "localWriteFailure":
        this.store.failNextWrites(1);
        model.localArmed++;
        return;
      case "restartProducer": {
        this.producer.close();
        await this.openProducer();
        expect(this.producer.producerId).toBe(this.producerId);
        return;
      }
      case "restartBroker":
        return this.counting(async () => {
          await this.broker.close();
          await this.openBroker();
        });
      case "sync":
        return this.counting(() => this.sync(a.requests ?? MAX_REQUESTS_PER_SYNC, a.race));
    }
  }

  /** Runs the sync loop until it is idle or has made `max` requests; `race` is sent during the first. */
  private async sync(max: number, race?: Spec[]): Promise<void> {
    let raced: Promise<unknown> = Promise.resolve();
    const stop = new AbortController();
    this.round = {
      stop,
      requests: 0,
      max,
      ...(race
        ? {
            race: () => {
              raced = this.sendGroups([race]);
            },
          }
        : {}),
    };
    try {
      await this.producer.run(stop.signal);
      // Its outcome is either: an armed local failure may hit it or the sync's own write.
      await raced;
    } finally {
      this.round = undefined;
    }
  }

  /** Heals every fault, spends the armed write failures, and runs the sync loop until it is idle. */
  async drain(): Promise<void> {
    this.transport.heal();
    for (; this.model.localArmed > 0; this.model.localArmed--)
      await this.store.write([]).catch(() => undefined);
    for (; this.model.brokerArmed > 0; this.model.brokerArmed--)
      await this.brokerStore.write([]).catch(() => undefined);
    await this.sync(MAX_REQUESTS_PER_SYNC);
  }

  async brokerLog(): Promise<Message[][]> {
    const queues: Message[][] = [];
    for (let q = 0; q < QUEUES; q++) {
      const page = await this.broker.read(TOPIC, q, { from: 0, limit: 1000 });
      queues.push(page.messages);
    }
    return queues;
  }
}

/**
 * Where each seq is, and whether the broker, the dead letters and the stats
 * agree with the model: the broken invariants, one line each (none when all
 * hold). Plain comparisons, asserted once: this runs after every step.
 */
async function violations(world: World, drained = false): Promise<string[]> {
  const { model, producer } = world;
  const out: string[] = [];
  const stats = await producer.stats();
  const dead = await producer.deadLetters.list(10_000);
  const queues = await world.brokerLog();
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const rejected = (body: unknown) => model.rejected.has((body as { n?: number }).n ?? 0);

  const inBroker = new Set<number>();
  const queueOfKey = new Map<string, number>();
  for (const [q, messages] of queues.entries()) {
    let last = 0;
    for (const m of messages) {
      const seq = m.seq!;
      const sent = model.sent.get(seq);
      // Each (producerId, seq) once.
      if (inBroker.has(seq)) out.push(`seq ${seq} stored twice`);
      inBroker.add(seq);
      // Delivered in seq order: each queue holds its seqs in order, so each key does.
      if (seq <= last) out.push(`queue ${q}: seq ${seq} after ${last}`);
      last = Math.max(last, seq);
      // One key, one queue.
      const keyQueue = m.key === undefined ? q : (queueOfKey.get(m.key) ?? q);
      if (keyQueue !== q) out.push(`key ${m.key} in queues ${keyQueue} and ${q}`);
      if (m.key !== undefined) queueOfKey.set(m.key, q);
      // A resolved send's message, as sent: never one of a rejected send.
      if (rejected(m.body))
        out.push(`seq ${seq} holds a rejected send's ${JSON.stringify(m.body)}`);
      if (
        m.producerId !== world.producerId ||
        !sent ||
        !same(m.body, sent.body) ||
        m.key !== sent.key
      )
        out.push(
          `seq ${seq} stored as ${JSON.stringify([m.producerId, m.key, m.body])}, sent as ${JSON.stringify(sent)}`,
        );
    }
  }
  // A dead letter is a resolved send's message, with the broker's reason.
  const inDead = new Set<number>();
  for (const d of dead) {
    const sent = model.sent.get(d.seq);
    inDead.add(d.seq);
    if (rejected(d.body)) out.push(`dead seq ${d.seq} holds a rejected send's message`);
    if (
      !sent ||
      d.id !== `${world.producerId}:${d.seq}` ||
      !same(d.body, sent.body) ||
      d.options.key !== sent.key ||
      d.reason.code !== "too_large"
    )
      out.push(
        `dead letter ${JSON.stringify({ ...d, body: undefined })} for ${JSON.stringify(sent)}`,
      );
  }

  // Every seq up to doneSeq is handled: a refused one dead, any other in the broker.
  const total = model.nextSeq - 1;
  // Once drained, nothing may be pending.
  const doneSeq = drained ? total : total - stats.pending;
  let acknowledged = 0;
  for (let seq = 1; seq <= total; seq++) {
    const big = model.sent.get(seq)?.big;
    const where = (inBroker.has(seq) ? "broker" : "") + (inDead.has(seq) ? "dead" : "");
    const handled = seq <= doneSeq;
    if (handled && !big) acknowledged++;
    // Not handled yet: the broker may have it (its answer was lost) unless refused; it is not dead.
    const expected = handled
      ? big
        ? "dead"
        : "broker"
      : inBroker.has(seq) && !big
        ? "broker"
        : "";
    if (where !== expected)
      out.push(
        `seq ${seq} (${big ? "refused" : "valid"}, ${handled ? "handled" : "pending"}): in "${where}", expected "${expected}"`,
      );
  }
  if (model.sent.size !== total)
    out.push(`model: ${model.sent.size} sent, next seq ${model.nextSeq}`);
  const { producerId, pending, deadLetters } = stats;
  const want = { producerId: world.producerId, acknowledged, deadLetters: dead.length };
  const got = { producerId, acknowledged: stats.acknowledged, deadLetters };
  if (!same(got, want) || pending !== total - doneSeq)
    out.push(`stats ${JSON.stringify(stats)}, expected ${JSON.stringify(want)} of ${total} sent`);
  return out;
}

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
const replay = {
  ...(env?.FC_SEED ? { seed: Number(env.FC_SEED) } : {}),
  ...(env?.FC_PATH ? { path: env.FC_PATH } : {}),
};

describe("the durable producer against a reference model", () => {
  it("delivers every resolved send once or dead-letters it, in order, across faults and restarts", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(action, { minLength: 1, maxLength: 40, size: "max" }),
        async (batchSize, actions) => {
          const world = new World(batchSize);
          await world.openBroker();
          await world.broker.createTopic(TOPIC, {
            queueCount: QUEUES,
            maxMessageBytes: MAX_MESSAGE_BYTES,
          });
          await world.openProducer();
          world.producerId = world.producer.producerId;
          for (const a of actions) {
            await world.apply(a);
            expect(await violations(world)).toEqual([]);
          }
          await world.drain();
          expect(await violations(world, true)).toEqual([]);
          // Every send is accounted for: a flush settles with no sync loop running.
          await flushed(world.producer, 1);
          world.producer.close();
          await world.broker.close();
        },
      ),
      { numRuns: Number(env?.FC_RUNS ?? 200), ...replay },
    );
  }, 60_000);
});
