import { EdgeqError, HttpTransport, type MessageBody } from "@edgeq/core";
import type { IDBPDatabase, IDBPObjectStore } from "idb";
import { fromIdbError } from "../store/idb-errors.js";
import { describeError } from "../sync/describe-error.js";
import { SyncLoop } from "../sync/sync-loop.js";
import { runAsLeader } from "../tabs/leadership.js";
import { TabChannel, type TabMessage } from "../tabs/tab-channel.js";
import { type AnyTx, OutboxLog } from "./outbox-log.js";
import { LOG, META, messageId, openOutboxDatabase } from "./schema.js";
import { SendBatcher } from "./send-batcher.js";
import type {
  Delivered,
  OutboxDeadLetter,
  OutboxEventMap,
  OutboxOptions,
  OutboxSendOptions,
  OutboxStats,
  SendReceipt,
  SyncState,
} from "./types.js";
import { validateSend } from "./validate-send.js";

/** What `transaction`'s callback gets: the app's stores and a `send` that commits with them. */
export interface OutboxTransaction {
  objectStore(name: string): IDBPObjectStore<unknown, string[], string, "readwrite">;
  /** Queues a message in this transaction; it exists if and only if the transaction commits. */
  send(body: MessageBody, options?: OutboxSendOptions): SendReceipt;
}

export interface FlushOptions {
  signal?: AbortSignal;
}

interface Flusher {
  target: number;
  resolve(): void;
  reject(error: unknown): void;
}

const DEFAULTS = {
  name: "default",
  durability: "strict",
  batchSize: 100,
  maxBatchBytes: 1024 * 1024,
  syncIntervalMs: 30_000,
  backoff: { baseMs: 500, maxMs: 60_000 },
} as const;

/**
 * An offline-first outbox: `send` resolves once the message is durable in
 * IndexedDB, and a sync loop delivers it to the edge broker whenever the
 * network allows, exactly once in the broker's log. One tab of the origin
 * syncs at a time; every tab may send, and every tab hears the progress.
 */
export class Outbox extends EventTarget {
  readonly producerId: string;
  private readonly log: OutboxLog;
  private readonly batcher: SendBatcher;
  private readonly channel: TabChannel;
  private readonly closing = new AbortController();
  private readonly transport: HttpTransport;
  private token: OutboxOptions["token"];
  private loop: SyncLoop | undefined;
  private leading: Promise<void> | undefined;
  private flushers = new Set<Flusher>();
  private syncState: SyncState = "standby";
  private inFlight = 0;
  private lastError: OutboxStats["lastError"];
  private lastRejectedToken: string | undefined;
  private persisted: boolean | undefined;
  private readonly detach: Array<() => void> = [];

  private constructor(
    readonly db: IDBPDatabase,
    producerId: string,
    private readonly options: OutboxOptions,
  ) {
    super();
    this.producerId = producerId;
    this.token = options.token;
    this.log = new OutboxLog(db, options.durability ?? DEFAULTS.durability);
    this.batcher = new SendBatcher((messages) => this.log.append(messages));
    this.transport = new HttpTransport({
      url: options.url,
      token: () => this.currentToken(),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.channel = new TabChannel(`edgeq-outbox:${db.name}`, (m) => this.onTabMessage(m));
    this.listenToPage();
  }

  static async open(options: OutboxOptions): Promise<Outbox> {
    if (!options.url) throw new EdgeqError("invalid_request", "url is required");
    if (!options.topic) throw new EdgeqError("invalid_request", "topic is required");
    const name = options.database?.name ?? `edgeq-outbox:${options.name ?? DEFAULTS.name}`;
    let outbox: Outbox | undefined;
    const db = await openOutboxDatabase(name, options.database ?? {}, () => void outbox?.close());
    const producer = await new OutboxLog(db, "relaxed").producer();
    outbox = new Outbox(db, producer.producerId, options);
    if (options.persist) void outbox.requestPersistence();
    if (options.autoSync !== false) outbox.start();
    return outbox;
  }

  get state(): SyncState {
    return this.syncState;
  }

  /** Resolves once the message is durable in IndexedDB. */
  async send(body: MessageBody, options: OutboxSendOptions = {}): Promise<SendReceipt> {
    const [receipt] = await this.sendBatch([{ body, ...options }]);
    return receipt!;
  }

  /** Resolves once all the messages are durable in IndexedDB, in one transaction. */
  async sendBatch(
    messages: ReadonlyArray<{ body: MessageBody } & OutboxSendOptions>,
  ): Promise<SendReceipt[]> {
    this.assertOpen();
    if (messages.length === 0) return [];
    const receipts = await this.batcher.add(validateSend(messages));
    this.queued(receipts);
    return receipts;
  }

  /**
   * The transactional outbox: the app's writes to `storeNames` and the
   * messages sent through `tx.send` commit in one IndexedDB transaction, so
   * app state and outgoing messages never disagree. As with any IndexedDB
   * transaction, `fn` may await only requests of `tx`, nothing else.
   */
  async transaction(
    storeNames: readonly string[],
    fn: (tx: OutboxTransaction) => void | Promise<void>,
  ): Promise<SendReceipt[]> {
    this.assertOpen();
    const names = [...new Set([...storeNames, META, LOG])];
    let tx: AnyTx;
    try {
      tx = this.db.transaction(names, "readwrite", {
        durability: this.options.durability ?? DEFAULTS.durability,
      }) as unknown as AnyTx;
    } catch (cause) {
      throw fromIdbError(cause, "start the transaction");
    }
    const producer = await this.log.reserve(tx);
    const now = Date.now();
    const messages: ReturnType<typeof validateSend> = [];
    const receipts: SendReceipt[] = [];
    const handle: OutboxTransaction = {
      objectStore: (name) => {
        if (!storeNames.includes(name))
          throw new EdgeqError("invalid_request", `${name} is not in this transaction's stores`);
        return tx.objectStore(name) as IDBPObjectStore<unknown, string[], string, "readwrite">;
      },
      send: (body, options = {}) => {
        messages.push(...validateSend([{ body, ...options }]));
        const seq = producer.nextSeq + messages.length - 1;
        const receipt = {
          id: messageId(this.producerId, seq),
          producerId: this.producerId,
          seq,
          queuedAt: now,
        };
        receipts.push(receipt);
        return receipt;
      },
    };
    try {
      await fn(handle);
      this.log.writeWithin(tx, producer, messages, now);
      await tx.done;
    } catch (error) {
      try {
        tx.abort();
      } catch {
        // Already aborted by the failed request: that is the outcome we want.
      }
      await tx.done.catch(() => undefined);
      if (error instanceof DOMException && error.name === "QuotaExceededError")
        throw fromIdbError(error, "commit the transaction");
      throw error;
    }
    if (receipts.length > 0) this.queued(receipts);
    return receipts;
  }

  /** Resolves when everything sent before the call is acknowledged (or dead-lettered); rejects with the reason a sync attempt failed. */
  async flush(options: FlushOptions = {}): Promise<void> {
    this.assertOpen();
    options.signal?.throwIfAborted();
    this.start();
    const target = (await this.log.producer()).nextSeq - 1;
    const done = new Promise<void>((resolve, reject) => {
      const flusher: Flusher = {
        target,
        resolve: () => {
          this.flushers.delete(flusher);
          resolve();
        },
        reject: (error) => {
          this.flushers.delete(flusher);
          reject(error);
        },
      };
      this.flushers.add(flusher);
      options.signal?.addEventListener("abort", () => flusher.reject(options.signal?.reason), {
        once: true,
      });
    });
    await this.settleFlushers();
    this.wake(true);
    this.channel.post({ type: "flush" });
    return done;
  }

  async stats(): Promise<OutboxStats & { persisted: boolean | undefined }> {
    const [producer, progress] = await Promise.all([this.log.producer(), this.log.progress()]);
    return {
      producerId: this.producerId,
      pending: producer.nextSeq - 1 - progress.doneSeq,
      inFlight: this.inFlight,
      acknowledged: progress.acknowledged,
      deadLetters: progress.deadLetters,
      state: this.syncState,
      lastError: this.lastError,
      lastSync: progress.lastSync,
      persisted: this.persisted,
    };
  }

  /** Messages the broker refused for good, with the reason. */
  deadLetters(limit?: number): Promise<OutboxDeadLetter[]> {
    return this.log.deadLetters(limit);
  }

  discardDeadLetters(seqs: readonly number[]): Promise<void> {
    return this.log.discardDeadLetters(seqs);
  }

  /** Replaces the token; a sync paused by 401/403 resumes, in whichever tab syncs. */
  setToken(token: string): void {
    this.token = token;
    this.loop?.resumeAuth();
    this.channel.post({ type: "token", token });
  }

  /** Sync now rather than at the next trigger. */
  sync(): void {
    this.wake(true);
    this.channel.post({ type: "flush" });
  }

  /** Competes for the sync lock (done by `open` unless `autoSync: false`). */
  start(): void {
    if (this.leading || this.closing.signal.aborted) return;
    this.leading = runAsLeader(`edgeq-outbox:${this.db.name}`, this.closing.signal, (signal) =>
      this.lead(signal),
    ).catch((error: unknown) => this.setState("standby", describeError(error)));
  }

  /** Stops syncing (another tab takes over), closes the database; pending messages stay for next time. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort(new EdgeqError("closed", "the outbox is closed"));
    for (const undo of this.detach) undo();
    for (const f of [...this.flushers]) f.reject(this.closing.signal.reason);
    await this.leading;
    this.setState("closed");
    this.channel.close();
    this.db.close();
  }

  override addEventListener<K extends keyof OutboxEventMap>(
    type: K,
    listener: ((event: OutboxEventMap[K]) => void) | null,
    options?: AddEventListenerOptions | boolean,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | ((event: Event) => void) | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  private async lead(signal: AbortSignal): Promise<void> {
    const loop = new SyncLoop(
      this.log,
      this.transport,
      {
        topic: this.options.topic,
        producerId: this.producerId,
        batchSize: this.options.batchSize ?? DEFAULTS.batchSize,
        maxBatchBytes: this.options.maxBatchBytes ?? DEFAULTS.maxBatchBytes,
        intervalMs: this.options.syncIntervalMs ?? DEFAULTS.syncIntervalMs,
        backoff: this.options.backoff ?? DEFAULTS.backoff,
        isOnline: () => globalThis.navigator?.onLine !== false,
      },
      {
        state: (state, error) => {
          if (state === "paused") this.lastRejectedToken = this.lastToken;
          this.setState(state, error);
          if (error) this.failFlushers(error);
          else if (state === "offline")
            this.failFlushers(
              describeError(new EdgeqError("unavailable", "the browser is offline")),
            );
        },
        inFlight: (count) => {
          this.inFlight = count;
        },
        delivered: (messages) => this.delivered(messages),
        deadLettered: (deadLetter) => this.deadLettered(deadLetter),
      },
    );
    this.loop = loop;
    try {
      await loop.run(signal);
    } finally {
      this.loop = undefined;
      this.inFlight = 0;
    }
  }

  private lastToken: string | undefined;

  private async currentToken(): Promise<string> {
    const token = typeof this.token === "function" ? await this.token() : (this.token ?? "");
    this.lastToken = token;
    return token;
  }

  private queued(receipts: SendReceipt[]): void {
    this.dispatchEvent(new CustomEvent("queued", { detail: { receipts } }));
    this.wake(false);
    this.channel.post({ type: "queued" });
  }

  private delivered(messages: Delivered[]): void {
    this.dispatchEvent(new CustomEvent("acknowledged", { detail: { messages } }));
    this.channel.post({ type: "delivered", messages });
    void this.settleFlushers();
  }

  private deadLettered(deadLetter: OutboxDeadLetter): void {
    this.dispatchEvent(new CustomEvent("failed", { detail: { deadLetter } }));
    this.channel.post({ type: "dead", deadLetter });
    void this.settleFlushers();
  }

  private setState(state: SyncState, error?: OutboxStats["lastError"]): void {
    if (error) this.lastError = error;
    if (state === this.syncState && !error) return;
    this.syncState = state;
    this.dispatchEvent(
      new CustomEvent("syncstate", { detail: error ? { state, error } : { state } }),
    );
    if (state !== "closed" && state !== "standby")
      this.channel.post({
        type: "state",
        state,
        inFlight: this.inFlight,
        ...(error ? { error } : {}),
      });
  }

  private onTabMessage(message: TabMessage): void {
    switch (message.type) {
      case "queued":
        this.wake(false);
        break;
      case "flush":
        this.wake(true);
        break;
      case "token":
        if (message.token !== undefined && typeof this.token !== "function")
          this.token = message.token;
        this.loop?.resumeAuth();
        break;
      case "delivered":
        this.dispatchEvent(
          new CustomEvent("acknowledged", { detail: { messages: message.messages } }),
        );
        void this.settleFlushers();
        break;
      case "dead":
        this.dispatchEvent(
          new CustomEvent("failed", { detail: { deadLetter: message.deadLetter } }),
        );
        void this.settleFlushers();
        break;
      case "state":
        // Another tab syncs: mirror what it reports, but this tab stays in standby.
        this.inFlight = message.inFlight;
        if (message.error) {
          this.lastError = message.error;
          this.failFlushers(message.error);
        }
        break;
    }
  }

  private wake(urgent: boolean): void {
    if (this.loop) {
      this.loop.wakeup.wake(urgent);
      if (urgent && this.syncState === "paused") void this.resumeIfTokenChanged();
    }
  }

  /** With a token function, a new token is noticed at the next trigger, not only through `setToken`. */
  private async resumeIfTokenChanged(): Promise<void> {
    if (typeof this.token !== "function") return;
    const token = await this.token();
    if (token !== this.lastRejectedToken) this.loop?.resumeAuth();
  }

  private async settleFlushers(): Promise<void> {
    if (this.flushers.size === 0) return;
    const { doneSeq } = await this.log.progress();
    for (const f of [...this.flushers]) if (f.target <= doneSeq) f.resolve();
  }

  private failFlushers(error: NonNullable<OutboxStats["lastError"]>): void {
    for (const f of [...this.flushers])
      f.reject(new EdgeqError(error.code, `sync failed: ${error.message}`));
  }

  private listenToPage(): void {
    const on = (target: EventTarget | undefined, type: string, handler: () => void) => {
      if (!target) return;
      target.addEventListener(type, handler);
      this.detach.push(() => target.removeEventListener(type, handler));
    };
    const win = typeof window === "undefined" ? undefined : window;
    on(win, "online", () => {
      this.dispatchEvent(new Event("online"));
      this.wake(true);
    });
    on(win, "offline", () => {
      this.dispatchEvent(new Event("offline"));
      this.wake(true);
    });
    const doc = typeof document === "undefined" ? undefined : document;
    on(doc, "visibilitychange", () => {
      if (doc?.visibilityState === "visible") this.wake(true);
    });
  }

  private async requestPersistence(): Promise<void> {
    const storage = globalThis.navigator?.storage;
    if (!storage?.persist) return;
    this.persisted = await storage.persist().catch(() => false);
    this.dispatchEvent(new CustomEvent("persisted", { detail: { persisted: this.persisted } }));
  }

  private assertOpen(): void {
    if (this.closing.signal.aborted) throw new EdgeqError("closed", "the outbox is closed");
  }
}

/** Opens (or creates) the outbox and starts syncing. */
export function createOutbox(options: OutboxOptions): Promise<Outbox> {
  return Outbox.open(options);
}
