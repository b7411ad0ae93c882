import { DurableObject } from "cloudflare:workers";
import {
  EdgeqError,
  LocalQueue,
  QueueEngine,
  type QueueHandle,
  type Store,
  systemClock,
  type TransactionCheckResult,
  type TransactionInfo,
} from "@edgeq/core";
import { createKvStore } from "../store/kv-store.js";
import { createSqliteStore } from "../store/sqlite-store.js";
import { type Outcome, QUEUE_METHODS, type QueueMethod, type QueueRef } from "./queue-ref.js";
import { type Durability, topicConfig, topicRouter } from "./topics.js";

const REF_KEY = "do|ref";

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
 * shell: every call is a QueueHandle call on the engine, and the alarm is set
 * to the engine's next wake-up (delays, lease expiry, retries, retention).
 */
export class QueueDO extends DurableObject<Env> {
  /** Holds the object's identity; also the message store of `sync` queues. */
  private readonly sqlStore: Store;
  private queue: Promise<{ ref: QueueRef; handle: LocalQueue }> | undefined;
  /** The alarm as last set; one alarm per object, so only an earlier wake-up needs a new one. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sqlStore = createSqliteStore(ctx.storage);
  }

  /** Runs one QueueHandle call for the queue `ref` names. */
  async invoke<M extends QueueMethod>(
    ref: QueueRef,
    method: M,
    args: Parameters<QueueHandle[M]>,
  ): Promise<Outcome<Awaited<ReturnType<QueueHandle[M]>>>> {
    try {
      if (!QUEUE_METHODS.has(method))
        throw new EdgeqError("invalid_request", `no queue call ${String(method)}`);
      const { handle } = await this.open(ref);
      const call = handle[method] as (
        ...a: unknown[]
      ) => Promise<Awaited<ReturnType<QueueHandle[M]>>>;
      const value = await call.apply(handle, args);
      await this.arm(handle.engine);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error: errorBody(error) };
    }
  }

  override async alarm(): Promise<void> {
    const identity = (await this.sqlStore.get(REF_KEY)) as Identity | undefined;
    if (!identity) return;
    const { handle } = await this.open(identity);
    this.alarmAt = null;
    await handle.engine.tick();
    await checkBack(this.env, identity.topic, handle.engine.takeDueChecks());
    await this.arm(handle.engine);
  }

  private async open(ref: QueueRef): Promise<{ ref: QueueRef; handle: LocalQueue }> {
    this.queue ??= this.ctx.blockConcurrencyWhile(async () => {
      const config = topicConfig(this.env, ref.topic);
      if (ref.queueId >= config.queueCount)
        throw new EdgeqError("not_found", `topic ${ref.topic} has no queue ${ref.queueId}`);
      const known = (await this.sqlStore.get(REF_KEY)) as Identity | undefined;
      const identity: Identity = {
        topic: ref.topic,
        queueId: ref.queueId,
        // Objects from before durability existed kept everything in SQL.
        durability: known ? (known.durability ?? "sync") : config.durability,
      };
      // Remembered for alarms, which arrive without a caller to say which queue this is.
      if (!known)
        await this.sqlStore.write([{ type: "put", key: REF_KEY, value: { ...identity } }]);
      this.alarmAt = await this.ctx.storage.getAlarm();
      const store =
        identity.durability === "async"
          ? createKvStore(this.ctx.storage, { allowUnconfirmed: true })
          : this.sqlStore;
      const engine = await QueueEngine.open(store, { ...ref, config, clock: systemClock });
      return { ref, handle: new LocalQueue(engine) };
    });
    const opened = await this.queue.catch((error: unknown) => {
      this.queue = undefined;
      throw error;
    });
    if (opened.ref.topic !== ref.topic || opened.ref.queueId !== ref.queueId)
      throw new EdgeqError(
        "internal",
        `object holds ${opened.ref.topic}/${opened.ref.queueId}, not ${ref.topic}/${ref.queueId}`,
      );
    return opened;
  }

  private async arm(engine: QueueEngine): Promise<void> {
    const next = engine.nextWakeUp();
    if (next === undefined) return;
    if (this.alarmAt === null || this.alarmAt === undefined || next < this.alarmAt) {
      await this.ctx.storage.setAlarm(next);
      this.alarmAt = next;
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
  const name = topicConfig(env, topic).transactionChecker;
  const checker = name ? (env as unknown as Record<string, unknown>)[name] : undefined;
  if (!checker) return;
  const router = topicRouter(env, topic);
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

function errorBody(error: unknown): Extract<Outcome<never>, { ok: false }>["error"] {
  if (error instanceof EdgeqError)
    return {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    };
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}
