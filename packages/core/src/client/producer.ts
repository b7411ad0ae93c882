import { EdgeqError, isEdgeqError } from "../errors.js";
import type {
  AppendRequest,
  OutgoingMessage,
  SendResult,
  TransactionChecker,
  TransactionCheckResult,
} from "../model.js";
import { isRetryableError, pause, sleep as realSleep, type Sleep, withRetries } from "./retry.js";
import { tracedSend } from "./trace.js";
import type { Transport } from "./transport.js";

/** Identity, seqs and retry pacing of a Producer. */
export interface ProducerOptions {
  /** The topic every message of this producer goes to. */
  topic: string;
  /**
   * Identity the broker deduplicates on, together with each message's seq.
   * A process that keeps its id and position across restarts has its
   * retries recognised after one (`DurableProducer` does all of that for
   * you, with a local log). Default: a new `crypto.randomUUID()`.
   */
  producerId?: string;
  /**
   * Seq of the first message sent. Callers that persist their position
   * pass where to continue. Default 1.
   */
  firstSeq?: number;
  /** Further tries after a retryable failure (RocketMQ's `retryTimesWhenSendFailed`). Default 2. */
  retries?: number;
  /** Backoff between tries. Default: base 100 ms, at most 10 s. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Jitter source for the backoff. Default `Math.random`. */
  random?: () => number;
  /** How to wait between tries; inject one in tests. Default: a real timer. */
  sleep?: Sleep;
}

/** Per-call options of `send` and `sendBatch`. */
export interface SendOptions {
  /** Stops waiting and retrying; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * An idempotent producer (P1 in docs/architecture.md). `send` resolves only with the broker's
 * result; a retryable failure is tried again with backoff and jitter under
 * the same producer id and the same seqs, so a retry of a send whose response
 * was lost comes back `duplicate` and the log keeps one copy.
 *
 * @example
 * ```ts
 * import { LocalTransport, Producer } from "@edgeq/core";
 * import { Broker } from "@edgeq/core/engine";
 * import { openMemoryStore } from "@edgeq/core/store";
 *
 * const broker = await Broker.open({ store: await openMemoryStore() });
 * await broker.createTopic("orders", { queueCount: 4 });
 * const producer = new Producer(new LocalTransport(broker), { topic: "orders" });
 * const result = await producer.send({ body: { order: 9 }, key: "cart-9" });
 * // { status: "stored", msgId: "…", queueId: 1, offset: 0, seq: 1 }
 * ```
 */
export class Producer {
  readonly topic: string;
  readonly producerId: string;
  private seq: number;
  private readonly retries: number;
  private readonly backoff: { baseMs?: number; maxMs?: number; random?: () => number };
  private readonly sleep: Sleep;

  constructor(
    private readonly transport: Transport,
    options: ProducerOptions,
  ) {
    const firstSeq = options.firstSeq ?? 1;
    const retries = options.retries ?? 2;
    if (!Number.isSafeInteger(firstSeq) || firstSeq < 0)
      throw new EdgeqError("invalid_request", "firstSeq must be a non-negative integer");
    if (!Number.isInteger(retries) || retries < 0)
      throw new EdgeqError("invalid_request", "retries must be a non-negative integer");
    this.topic = options.topic;
    this.producerId = options.producerId ?? crypto.randomUUID();
    this.seq = firstSeq;
    this.retries = retries;
    this.backoff = { ...options.backoff, random: options.random ?? Math.random };
    this.sleep = options.sleep ?? realSleep;
  }

  /** The seq the next message will get. Persist it to continue after a restart. */
  get nextSeq(): number {
    return this.seq;
  }

  /** Sends one message; resolves with its result once the broker has stored it (or answered `duplicate`). */
  async send(message: OutgoingMessage, options: SendOptions = {}): Promise<SendResult> {
    const [result] = await this.sendBatch([message], options);
    if (!result) throw new EdgeqError("internal", "the broker returned no result for the message");
    return result;
  }

  /** Sends the messages in one append; results are in the same order. */
  async sendBatch(
    messages: readonly OutgoingMessage[],
    options: SendOptions = {},
  ): Promise<SendResult[]> {
    if (messages.length === 0) return [];
    for (const message of messages) {
      // The producer is the only source of seqs: a caller's own seq could
      // collide with one this producer hands out, and the broker would then
      // answer `duplicate` for a message it never stored.
      if (message.seq !== undefined)
        throw new EdgeqError("invalid_request", "the producer assigns seqs; leave `seq` unset");
    }
    // Seqs are assigned once, synchronously, before the first try: every
    // retry must carry the same (producerId, seq) pairs, or the broker could
    // not tell it from a new send and would store a second copy. A seq is
    // never handed out again, even when the send fails: a failed try may
    // still have been stored.
    const stamped = messages.map((message) => ({ ...message, seq: this.seq++ }));
    return tracedSend(this.topic, stamped, (traced) =>
      this.deliver({ producerId: this.producerId, messages: traced }, options.signal),
    );
  }

  /**
   * RocketMQ's `sendMessageInTransaction`: sends the messages as half
   * messages (stored, invisible), runs `executeLocal` (the local write that
   * must happen if and only if they are published), then commits or rolls
   * back as it answers. `unknown` leaves the decision to the broker's
   * check-back (see `startTransactionChecks`), and so does a decision that
   * cannot be delivered. If `executeLocal` throws, the transaction stays
   * undecided and the error is rethrown.
   *
   * @example
   * ```ts
   * import { LocalTransport, Producer } from "@edgeq/core";
   * import { Broker } from "@edgeq/core/engine";
   * import { openMemoryStore } from "@edgeq/core/store";
   *
   * const broker = await Broker.open({ store: await openMemoryStore() });
   * await broker.createTopic("orders", { queueCount: 2 });
   * const producer = new Producer(new LocalTransport(broker), { topic: "orders", producerId: "orders-service" });
   * const orders = new Map<string, number>(); // your own database
   *
   * const { state } = await producer.sendInTransaction([{ body: { type: "order.created", id: "o-1" }, key: "o-1" }], async () => {
   *   orders.set("o-1", 9.5); // the local step
   *   return "commit" as const; // or "rollback"; throwing or "unknown" leaves it to the check-back
   * });
   * // state: "committed"
   * // The broker asks about undecided transactions: answer from your own data.
   * const stop = producer.startTransactionChecks(async (tx) => (orders.has(tx.messages[0]?.key ?? "") ? "commit" : "rollback"));
   * ```
   */
  async sendInTransaction(
    messages: readonly OutgoingMessage[],
    executeLocal: (tx: {
      txId: string;
      results: SendResult[];
    }) => TransactionCheckResult | Promise<TransactionCheckResult>,
    options: SendOptions = {},
  ): Promise<TransactionOutcome> {
    if (messages.length === 0)
      throw new EdgeqError("invalid_request", "a transaction needs at least one message");
    for (const message of messages)
      if (message.seq !== undefined)
        throw new EdgeqError("invalid_request", "the producer assigns seqs; leave `seq` unset");
    const stamped = messages.map((message) => ({ ...message, seq: this.seq++ }));
    const half = await this.deliver(
      { producerId: this.producerId, messages: stamped, transactional: true },
      options.signal,
    );
    const txId = half[0]?.txId;
    if (txId === undefined)
      throw new EdgeqError("internal", "the broker returned no transaction id");
    const answer = await executeLocal({ txId, results: half });
    if (answer !== "commit" && answer !== "rollback")
      return { txId, state: "unknown", results: half };
    try {
      const info = await this.retrying(
        (signal) => this.transport.endTransaction(this.topic, txId, answer, { signal }),
        options.signal,
      );
      return {
        txId,
        state: info.state === "pending" ? "unknown" : info.state,
        results: info.results ?? half,
      };
    } catch (error) {
      // Undelivered decisions are what check-backs are for.
      if (isRetryableError(error)) return { txId, state: "unknown", results: half };
      throw error;
    }
  }

  /**
   * Answers the broker's check-backs for this producer's undecided
   * transactions: in process the broker calls `checker` itself; over HTTP or
   * RPC this polls the transactions the broker is asking about every
   * `intervalMs`. Returns the function that stops it.
   */
  startTransactionChecks(
    checker: TransactionChecker,
    options: { intervalMs?: number } = {},
  ): () => void {
    const direct = this.transport.onTransactionCheck?.(this.producerId, checker);
    if (direct) return direct;
    const stop = new AbortController();
    const intervalMs = options.intervalMs ?? 5_000;
    void (async () => {
      while (!stop.signal.aborted) {
        try {
          const asked = await this.transport.listTransactions(
            this.topic,
            { producerId: this.producerId, state: "unknown" },
            { signal: stop.signal },
          );
          for (const tx of asked) {
            const answer = await checker(tx);
            if (answer === "commit" || answer === "rollback")
              await this.transport
                .endTransaction(this.topic, tx.txId, answer, { signal: stop.signal })
                .catch((error: unknown) => {
                  // Decided meanwhile (by us or the last check): nothing left to do.
                  if (!isEdgeqError(error, "conflict")) throw error;
                });
          }
        } catch {
          // The next round asks again; an unanswered check is asked again by the broker too.
        }
        if (!(await pause(this.sleep, intervalMs, stop.signal))) return;
      }
    })();
    return () => stop.abort();
  }

  /** Sends one append request until it is answered, retrying what may succeed later. */
  private async deliver(
    request: AppendRequest,
    signal: AbortSignal | undefined,
  ): Promise<SendResult[]> {
    const results = await this.retrying(
      (s) => this.transport.send(this.topic, request, { signal: s }),
      signal,
    );
    if (results.length !== request.messages.length)
      throw new EdgeqError(
        "internal",
        `the broker returned ${results.length} results for ${request.messages.length} messages`,
      );
    return results;
  }

  private retrying<T>(
    call: (signal: AbortSignal | undefined) => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    let tries = 1;
    return withRetries(call, {
      ...(signal ? { signal } : {}),
      retries: this.retries,
      backoff: this.backoff,
      sleep: this.sleep,
      onRetry: () => tries++,
    }).catch((error: unknown) => {
      if (signal?.aborted) throw signal.reason;
      throw finalError(error, tries);
    });
  }
}

/** How a `sendInTransaction` ended; `unknown` is settled later by check-back. */
export interface TransactionOutcome {
  txId: string;
  state: "committed" | "rolled_back" | "unknown";
  /** After a commit, where each message went; otherwise the half send's answers. */
  results: SendResult[];
}

/** Protocol errors pass through untouched; a platform error is kept as the cause of an `unavailable`. */
function finalError(error: unknown, tries: number): EdgeqError {
  if (isEdgeqError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new EdgeqError("unavailable", `send failed after ${tries} tries: ${reason}`, {
    cause: error,
  });
}
