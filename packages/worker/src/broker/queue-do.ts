import { DurableObject } from "cloudflare:workers";
import {
  type DeadLetter,
  EdgeqError,
  isEdgeqError,
  type LeasedMessage,
  type Message,
  type ReadResult,
  type SendResult,
  type TransactionAction,
  type TransactionCheckResult,
  type TransactionInfo,
} from "@edgeq/core";
import {
  type BlockedKey,
  type GroupSettings,
  type HistorySample,
  ManualClock,
  type NormalizedAppend,
  type ProducerScope,
  QueueEngine,
  type QueueSnapshot,
  type ReceiveParams,
  type TransactionFilter,
} from "@edgeq/core/engine";
import type { ApplyRequest, ReplicaAnswer, SnapshotPage } from "@edgeq/core/replication";
import type { Store } from "@edgeq/core/store";
import {
  type PromoteResult,
  QueueReplication,
  type ReplicaRead,
} from "../replication/queue-replication.js";
import { type Outcome, outcomeOf } from "../shared/outcome.js";
import type { QueueRef, RpcWait } from "../shared/queue-ref.js";
import { createKvStore } from "../store/kv-store.js";
import { createSqliteStore } from "../store/sqlite-store.js";
import { type Durability, routerOf, topicConfig } from "./topics.js";

const REF_KEY = "do|ref";
/**
 * Decoded segments kept between calls: a lease consumer receiving 100 at a
 * time from segments of 1,000 decodes each once, not ten times. Sharing them
 * is safe here: every result leaves the object through RPC, which copies it.
 */
const SEGMENT_CACHE_BYTES = 2 * 1024 * 1024;

/** What the object remembers about itself, in its SQL table whatever the durability. */
interface Identity extends QueueRef {
  /**
   * Pinned when the queue is first used: `sync` records live in SQL tables,
   * `async` ones in the key-value API, so a later config change must not
   * switch stores under existing messages.
   */
  durability: Durability;
}

/**
 * One topic queue of the broker: a SQLite-backed Durable Object running the
 * core's QueueEngine over `createSqliteStore(ctx.storage)`. It is a thin RPC
 * shell: each public method is one QueueHandle call on the engine (the
 * queue's ref first), answered as an `Outcome`; the alarm is set to the
 * engine's next wake-up (delays, lease expiry, retries, retention, checks).
 */
export class QueueDO extends DurableObject<Env> {
  /** Holds the object's identity; also the message store of `sync` queues. */
  #sqlStore: Store;
  #queue: Promise<{ ref: QueueRef; engine: QueueEngine }> | undefined;
  /** The alarm as last set; one alarm per object, so only an earlier wake-up needs a new one. */
  #alarmAt: number | null | undefined;
  /**
   * The engine's clock, set once per call: in production `Date.now()` moves
   * only across I/O, so the time of a call is the time it arrived.
   */
  readonly #clock = new ManualClock(Date.now());
  /** Its part in a replicated queue (topic setting `replication`): primary or replica. */
  #replication: QueueReplication;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sqlStore = createSqliteStore(ctx.storage);
    this.#replication = this.#replicationOver(this.#sqlStore);
  }

  #replicationOver(store: Store): QueueReplication {
    return new QueueReplication(this.env, store, this.#clock, () => {
      void this.#queue?.then(
        ({ engine }) => engine.close(),
        () => undefined,
      );
      this.#queue = undefined;
    });
  }

  /** Appends a validated batch to this queue (producer windows dedup by seq). */
  append(ref: QueueRef, batch: NormalizedAppend): Promise<Outcome<SendResult[]>> {
    return this.#run(ref, (q) => q.append(batch));
  }
  /** Reads by offset, long-polling up to `wait.waitMs` when nothing is there yet. */
  read(
    ref: QueueRef,
    from: number,
    limit: number,
    tags: string[] | undefined,
    wait: RpcWait,
  ): Promise<Outcome<ReadResult>> {
    return this.#run(ref, (q) => q.read(from, limit, tags, wait));
  }
  /** A group's committed offset in this queue, if it has one. */
  committedOffset(ref: QueueRef, group: string): Promise<Outcome<number | undefined>> {
    return this.#run(ref, (q) => q.committedOffset(group));
  }
  /** Commits a group's offset in this queue (forward only unless `reset`). */
  commitOffset(
    ref: QueueRef,
    group: string,
    offset: number,
    reset: boolean,
  ): Promise<Outcome<number>> {
    return this.#run(ref, (q) => q.commitOffset(group, offset, reset));
  }
  /** Leases deliverable messages of this queue to `group`. */
  receive(
    ref: QueueRef,
    group: string,
    params: ReceiveParams,
    wait: RpcWait,
  ): Promise<Outcome<LeasedMessage[]>> {
    return this.#run(ref, (q) => q.receive(group, params, wait));
  }
  /** Settles leased messages for good. */
  ack(ref: QueueRef, group: string, receipts: string[]): Promise<Outcome<void>> {
    return this.#run(ref, (q) => q.ack(group, receipts));
  }
  /** Gives leased messages back to the group's retry schedule. */
  nack(ref: QueueRef, group: string, receipts: string[], delayMs?: number): Promise<Outcome<void>> {
    return this.#run(ref, (q) => q.nack(group, receipts, delayMs));
  }
  /** Extends leases to `visibilityMs` from now. */
  extend(
    ref: QueueRef,
    group: string,
    receipts: string[],
    visibilityMs: number,
  ): Promise<Outcome<void>> {
    return this.#run(ref, (q) => q.extend(group, receipts, visibilityMs));
  }
  /** A pull consumer's failed message, sent to the group's retry schedule. */
  sendBack(ref: QueueRef, group: string, offset: number, delayMs?: number): Promise<Outcome<void>> {
    return this.#run(ref, (q) => q.sendBack(group, offset, delayMs));
  }
  /** The group's dead letters in this queue, oldest first. */
  listDeadLetters(ref: QueueRef, group: string, limit: number): Promise<Outcome<DeadLetter[]>> {
    return this.#run(ref, (q) => q.listDeadLetters(group, limit));
  }
  /** Moves dead letters back to the group's retry schedule; answers how many moved. */
  redrive(
    ref: QueueRef,
    group: string,
    limit: number,
    msgIds?: string[],
  ): Promise<Outcome<number>> {
    return this.#run(ref, (q) => q.redrive(group, limit, msgIds));
  }
  /** Deletes dead letters for good; answers how many. */
  discardDeadLetters(
    ref: QueueRef,
    group: string,
    limit: number,
    msgIds?: string[],
  ): Promise<Outcome<number>> {
    return this.#run(ref, (q) => q.discardDeadLetters(group, limit, msgIds));
  }
  /** The group's flow keys holding messages back on this queue. */
  blockedKeys(ref: QueueRef, group: string, limit: number): Promise<Outcome<BlockedKey[]>> {
    return this.#run(ref, (q) => q.blockedKeys(group, limit));
  }
  /** The group's settings on this queue. */
  groupSettings(ref: QueueRef, group: string): Promise<Outcome<GroupSettings>> {
    return this.#run(ref, (q) => q.groupSettings(group));
  }
  /** Replaces the group's settings on this queue (validated by the router). */
  setGroupSettings(ref: QueueRef, group: string, settings: GroupSettings): Promise<Outcome<void>> {
    return this.#run(ref, (q) => q.setGroupSettings(group, settings));
  }
  /** Skips the group's backlog on this queue; answers how many messages. */
  purgeGroup(ref: QueueRef, group: string): Promise<Outcome<number>> {
    return this.#run(ref, (q) => q.purgeGroup(group));
  }
  /** Deletes every message of this queue; answers how many. */
  purge(ref: QueueRef): Promise<Outcome<number>> {
    return this.#run(ref, (q) => q.purge());
  }
  /** Forgets the group on this queue; answers whether it was known. */
  deleteGroup(ref: QueueRef, group: string): Promise<Outcome<boolean>> {
    return this.#run(ref, (q) => q.deleteGroup(group));
  }
  /** One message by msgId. */
  getMessage(ref: QueueRef, msgId: string): Promise<Outcome<Message>> {
    return this.#run(ref, (q) => q.getMessage(msgId));
  }
  /** Messages with `key`, oldest first, within an optional `producedAt` window. */
  queryByKey(
    ref: QueueRef,
    key: string,
    limit: number,
    from?: number,
    to?: number,
  ): Promise<Outcome<Message[]>> {
    return this.#run(ref, (q) => q.queryByKey(key, limit, from, to));
  }
  /** Offsets, sizes and per-group state of the queue (and its replicas), for stats. */
  snapshot(ref: QueueRef): Promise<Outcome<QueueSnapshot>> {
    return this.#run(ref, async (q) => {
      const { queue, groups } = q.snapshot();
      const replication = await this.#replication.stats(
        (await topicConfig(this.env, ref.topic)).replication,
      );
      return { queue: replication ? { ...queue, replication } : queue, groups };
    });
  }
  /** The queue's per-minute samples from `fromMinute` on, then its live state (the core's history.ts). */
  history(ref: QueueRef, fromMinute: number): Promise<Outcome<HistorySample[]>> {
    return this.#run(ref, (q) => q.history(fromMinute));
  }
  /** Stores a transaction's half messages: invisible until `endTransaction` commits them. */
  appendHalf(ref: QueueRef, txId: string, batch: NormalizedAppend): Promise<Outcome<SendResult[]>> {
    return this.#run(ref, (q) => q.appendHalf(txId, batch));
  }
  /** Commits or rolls back a transaction's half messages. */
  endTransaction(
    ref: QueueRef,
    txId: string,
    action: TransactionAction,
    by: "producer" | "check",
    scope?: ProducerScope,
  ): Promise<Outcome<TransactionInfo>> {
    return this.#run(ref, (q) => q.endTransaction(txId, action, by, scope));
  }
  /** This queue's transactions, optionally of one producer, in one state, or in one producer scope. */
  listTransactions(ref: QueueRef, filter: TransactionFilter): Promise<Outcome<TransactionInfo[]>> {
    return this.#run(ref, (q) => q.listTransactions(filter));
  }

  // ── replication (see QueueReplication): the primary's calls to this member, and failover ──

  /** Applies a primary's numbered batches to this replica. */
  replicaApply(ref: QueueRef, request: ApplyRequest): Promise<Outcome<ReplicaAnswer>> {
    return outcomeOf(() => this.#replication.apply(ref, request));
  }
  /** Applies one page of a primary's snapshot to this replica. */
  replicaSnapshot(ref: QueueRef, page: SnapshotPage): Promise<Outcome<ReplicaAnswer>> {
    return outcomeOf(() => this.#replication.snapshot(ref, page));
  }
  /** Makes this replica the queue's primary (a new term) and opens its engine. */
  promote(ref: QueueRef): Promise<Outcome<PromoteResult>> {
    this.#takeTime();
    return outcomeOf(async () => {
      const promoted = await this.#replication.promote(ref);
      await this.#open(ref);
      return promoted;
    });
  }
  /** Reads by offset from this member's own copy (a replica read, `?replica=`). */
  readReplica(
    ref: QueueRef,
    from: number,
    limit: number,
    tags: string[] | undefined,
  ): Promise<Outcome<ReplicaRead>> {
    return outcomeOf(() => this.#replication.read(ref, from, limit, tags));
  }
  /** Records that `member` is the primary now: calls here are pointed there. */
  pointTo(_ref: QueueRef, member: string, term: number): Promise<Outcome<void>> {
    return outcomeOf(() => this.#replication.pointTo(member, term));
  }

  /** Runs the engine's due work (delays, lease expiry, retries, retention, checks) and re-arms. */
  override async alarm(): Promise<void> {
    this.#takeTime();
    const identity = (await this.#sqlStore.get(REF_KEY)) as Identity | undefined;
    if (!identity) return;
    // A member that stopped being the primary has no timed work left: its queue runs elsewhere.
    const engine = await this.#open(identity).catch((error: unknown) => {
      if (isEdgeqError(error, "conflict")) return undefined;
      throw error;
    });
    if (!engine) return;
    this.#alarmAt = null;
    await engine.tick();
    await checkBack(this.env, identity.topic, engine.takeDueChecks());
    await this.#replication.pump();
    await this.#arm(engine);
  }

  /**
   * Deletes the queue and everything in it (its topic was deleted). A call
   * that arrives later finds no queue, asks the registry afresh, and is
   * `not_found` unless the topic was created again.
   */
  destroy(): Promise<Outcome<void>> {
    return outcomeOf(async () => {
      const opened = await this.#queue?.catch(() => undefined);
      this.#queue = undefined;
      await opened?.engine.close();
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      this.#alarmAt = undefined;
      // deleteAll dropped the store's table too: a new queue here starts from a new one,
      // and so does its replication state (term, batches, pointers lived in that table).
      this.#sqlStore = createSqliteStore(this.ctx.storage);
      this.#replication = this.#replicationOver(this.#sqlStore);
    });
  }

  /** Runs one engine call for the queue `ref` names, then re-arms the alarm; errors come back as data. */
  #run<T>(ref: QueueRef, call: (engine: QueueEngine) => T | Promise<T>): Promise<Outcome<T>> {
    this.#takeTime();
    return outcomeOf(async () => {
      const engine = await this.#open(ref);
      // Settings changed at runtime reach an open queue within the isolate's cache time.
      engine.config = await topicConfig(this.env, ref.topic);
      const value = await call(engine);
      await this.#arm(engine);
      return value;
    });
  }

  /** Once per call or alarm; never backwards, whatever the platform clock does. */
  #takeTime(): void {
    this.#clock.set(Math.max(this.#clock.now(), Date.now()));
  }

  async #open(ref: QueueRef): Promise<QueueEngine> {
    if (!this.#queue) {
      // Checked before blockConcurrencyWhile, where a throw would break the object.
      // A queue about to be created asks the registry itself: a caller's cached
      // copy may still list a topic that was just deleted.
      const exists = (await this.#sqlStore.get(REF_KEY)) !== undefined;
      const config = await topicConfig(this.env, ref.topic, { fresh: !exists });
      if (ref.queueId >= config.queueCount)
        throw new EdgeqError("not_found", `topic ${ref.topic} has no queue ${ref.queueId}`);
      if (config.replication) await this.#replication.prepare(ref, config.replication);
    }
    this.#queue ??= this.ctx.blockConcurrencyWhile(async () => {
      const known = (await this.#sqlStore.get(REF_KEY)) as Identity | undefined;
      const config = await topicConfig(this.env, ref.topic);
      const identity: Identity = {
        topic: ref.topic,
        queueId: ref.queueId,
        ...(ref.member === undefined ? {} : { member: ref.member }),
        // Objects from before durability existed kept everything in SQL.
        durability: known ? (known.durability ?? "sync") : config.durability,
      };
      // Remembered for alarms, which arrive without a caller to say which queue this is.
      if (!known)
        await this.#sqlStore.write([{ type: "put", key: REF_KEY, value: { ...identity } }]);
      this.#alarmAt = await this.ctx.storage.getAlarm();
      const store = config.replication
        ? this.#replication.engineStore()
        : identity.durability === "async"
          ? createKvStore(this.ctx.storage, { allowUnconfirmed: true })
          : this.#sqlStore;
      const engine = await QueueEngine.open(store, {
        topic: ref.topic,
        queueId: ref.queueId,
        config,
        clock: this.#clock,
        segmentCacheBytes: SEGMENT_CACHE_BYTES,
      });
      return { ref, engine };
    });
    const opened = await this.#queue.catch((error: unknown) => {
      this.#queue = undefined;
      throw error;
    });
    if (opened.ref.topic !== ref.topic || opened.ref.queueId !== ref.queueId)
      throw new EdgeqError(
        "internal",
        `object holds ${opened.ref.topic}/${opened.ref.queueId}, not ${ref.topic}/${ref.queueId}`,
      );
    return opened.engine;
  }

  async #arm(engine: QueueEngine): Promise<void> {
    const wakeUps = [engine.nextWakeUp(), this.#replication.nextWakeUp()];
    const next = Math.min(...wakeUps.filter((t) => t !== undefined));
    if (next === Number.POSITIVE_INFINITY) return;
    if (this.#alarmAt === null || this.#alarmAt === undefined || next < this.#alarmAt) {
      await this.ctx.storage.setAlarm(next);
      this.#alarmAt = next;
    }
  }
}

/** The producer side of a check-back over RPC (see `WorkerTopicConfig.transactionChecker`). */
interface TransactionCheckerBinding {
  checkLocalTransaction(topic: string, tx: TransactionInfo): Promise<TransactionCheckResult>;
}

/**
 * Asks the topic's checker binding about transactions whose check came due
 * and applies the answers to every queue of each transaction. A failed or
 * `unknown` answer leaves it for the next check (the alarm comes back).
 */
async function checkBack(env: Env, topic: string, due: TransactionInfo[]): Promise<void> {
  if (due.length === 0) return;
  const config = await topicConfig(env, topic);
  const name = config.transactionChecker;
  // A binding is an own property of env: never an inherited member such as `constructor`.
  const checker =
    name && Object.hasOwn(env, name)
      ? (env as unknown as Record<string, unknown>)[name]
      : undefined;
  if (!checker) return;
  const router = routerOf(env, topic, config);
  for (const tx of due) {
    try {
      const answer = await (checker as TransactionCheckerBinding).checkLocalTransaction(topic, tx);
      if (answer === "commit" || answer === "rollback")
        await router.endTransaction(tx.txId, answer, "check");
    } catch (error) {
      console.warn(`edgeq: check-back of ${topic} ${tx.txId} failed`, error);
    }
  }
}
