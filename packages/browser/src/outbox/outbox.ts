import { EdgeqError, type Jsonable, type MessageBody, type TokenRequest } from "@edgeq/core";
import {
  createHttpSender,
  type DeliveredMessage,
  DurableProducer,
  type DurableSendOptions,
  type ErrorSummary,
  type LocalDeadLetter,
  type QueuedMessage,
  type SyncState,
  summarizeError,
} from "@edgeq/core/durable";
import { boundTraceContext } from "@edgeq/core/trace";
import type { IDBPDatabase, IDBPObjectStore } from "idb";
import { fromIdbError } from "../store/idb-errors.js";
import { abort, IdbStore, reasonOf, settled } from "../store/idb-store.js";
import { runAsLeader } from "../tabs/leadership.js";
import { TabChannel, type TabMessage } from "../tabs/tab-channel.js";
import { OUTBOX_STORE, openOutboxDatabase } from "./database.js";
import type { OutboxEventMap, OutboxOptions, OutboxStats, StorageReport } from "./types.js";

/** What `commitWith`'s callback gets: the app's stores and a `send` that commits with them. */
export interface OutboxWrite {
  /** One of the app's stores named in `commitWith`, inside the shared transaction. */
  objectStore(name: string): IDBPObjectStore<unknown, string[], string, "readwrite">;
  /** Queues a message in this transaction; it exists if and only if the transaction commits. */
  send<T>(body: T & Jsonable<T>, options?: DurableSendOptions): QueuedMessage;
}

/**
 * An offline-first outbox: `send` resolves once the message is durable in
 * IndexedDB, and a sync loop delivers it to the edge broker whenever the
 * network allows, exactly once in the broker's log. It is the core's
 * `DurableProducer` over an `IdbStore`; this class adds what only a browser
 * has: one syncing tab at a time (a Web Lock), progress shared between tabs
 * (BroadcastChannel), page triggers (online, visible, pageshow), the app's own
 * transactions, and DOM events.
 */
export class Outbox extends EventTarget {
  readonly producerId: string;
  private readonly closing = new AbortController();
  private readonly channel: TabChannel;
  private leading: Promise<void> | undefined;
  private syncState: SyncState = "standby";
  private inFlight = 0;
  private lastError: ErrorSummary | undefined;
  private persisted: boolean | undefined;
  /**
   * Whether anyone ever listened to `queued`: an event per send is a fifth of
   * a burst of sends in WebKit (measured), for an app that may never look.
   */
  private queuedHeard = false;

  private constructor(
    /** The database the outbox lives in: the app's own when `database.name` names it. */
    readonly db: IDBPDatabase,
    private readonly store: IdbStore,
    /** @internal The core producer under the outbox (for `inspectOutbox`). */
    readonly producer: DurableProducer,
    private token: OutboxOptions["token"],
  ) {
    super();
    this.producerId = producer.producerId;
    this.channel = new TabChannel(`edgeq-outbox:${db.name}`, (m) => this.onTabMessage(m));
    this.listenToPage();
  }

  /** @internal Open one with `createOutbox`. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    if (!options.url) throw new EdgeqError("invalid_request", "url is required");
    if (!options.topic) throw new EdgeqError("invalid_request", "topic is required");
    const name = options.database?.name ?? `edgeq-outbox:${options.name ?? "default"}`;
    // The producer's hooks and the transport's token reach the outbox built after them.
    let outbox: Outbox | undefined;
    const { records, app } = await openOutboxDatabase(name, options.database ?? {}, () => {
      void outbox?.close();
    });
    const store = new IdbStore(records, OUTBOX_STORE, options.durability ?? "strict");
    const { url, fetch, batchSize, maxBatchBytes, syncIntervalMs, backoff, maxRetentionMs } =
      options;
    const transport = createHttpSender({
      url,
      fetch,
      token: (request) => outbox?.currentToken(request) ?? "",
    });
    const producer = await DurableProducer.open(store, {
      topic: options.topic,
      transport,
      name: "outbox",
      batchSize,
      maxBatchBytes,
      syncIntervalMs,
      backoff,
      maxRetentionMs,
      isOnline: () => globalThis.navigator?.onLine !== false,
      hooks: {
        state: (state, error) => outbox?.setState(state, error),
        inFlight: (count) => {
          if (outbox) outbox.inFlight = count;
        },
        delivered: (messages) => outbox?.delivered(messages, true),
        deadLettered: (deadLetter) => outbox?.deadLettered(deadLetter, true),
      },
    });
    outbox = new Outbox(app, store, producer, options.token);
    // Not awaited: Firefox asks the person, and the outbox must work while they decide.
    if (options.persist) void outbox.persist();
    if (options.autoSync !== false) outbox.start();
    return outbox;
  }

  get state(): SyncState {
    return this.syncState;
  }

  /** Resolves once the message is durable in IndexedDB. */
  async send<T>(body: T & Jsonable<T>, options: DurableSendOptions = {}): Promise<QueuedMessage> {
    const [queued] = await this.sendBatch([{ ...options, body: body as MessageBody }]);
    return queued!;
  }

  /** Resolves once all the messages are durable in IndexedDB, in one transaction. */
  async sendBatch(
    messages: ReadonlyArray<{ body: MessageBody } & DurableSendOptions>,
  ): Promise<QueuedMessage[]> {
    this.assertOpen();
    const queued = await this.producer.send(messages);
    this.queued(queued);
    return queued;
  }

  /**
   * The transactional outbox: the app's writes to `storeNames` and the
   * messages sent through `tx.send` commit in one IndexedDB transaction, so
   * app state and outgoing messages never disagree. As with any IndexedDB
   * transaction, `fn` may await only requests of `tx`, nothing else.
   */
  async commitWith(
    storeNames: readonly string[],
    fn: (tx: OutboxWrite) => void | Promise<void>,
  ): Promise<QueuedMessage[]> {
    this.assertOpen();
    // An unknown store name throws IndexedDB's own NotFoundError, as `db.transaction` does.
    const names = [...new Set([...storeNames, OUTBOX_STORE])];
    const tx = this.db.transaction(names, "readwrite", { durability: this.store.durability });
    const ended = settled(tx);
    const queued: QueuedMessage[] = [];
    // The app's own errors are its to read; only a full disk gets edgeq's code.
    const quotaAsEdgeq = (reason: unknown) =>
      reason instanceof DOMException && reason.name === "QuotaExceededError"
        ? fromIdbError(reason, "commit the transaction")
        : reason;
    // The caller's trace context, for sends that come after the awaits below.
    const traced = boundTraceContext();
    try {
      const append = await this.producer.beginAppend(
        this.store.within(tx.objectStore(OUTBOX_STORE)),
      );
      await fn({
        objectStore: (name) => {
          if (!storeNames.includes(name))
            throw new EdgeqError("invalid_request", `${name} is not in this transaction's stores`);
          return tx.objectStore(name);
        },
        send: (body, options = {}) => {
          const [one] = append.add([traced({ ...options, body: body as MessageBody })]);
          queued.push(one!);
          return one!;
        },
      });
      append.finish();
    } catch (error) {
      // Still open: abort it, so none of the app's writes or messages commit.
      throw quotaAsEdgeq(await abort(tx, error, ended).catch((reason: unknown) => reason));
    }
    try {
      await tx.done;
    } catch (error) {
      // Failing at commit (a full disk): no abort() of ours, which would replace the
      // browser's reason with none; wait for its abort event, which carries it (Firefox).
      await ended;
      throw quotaAsEdgeq(reasonOf(error, tx));
    }
    if (queued.length > 0) this.queued(queued);
    return queued;
  }

  /** Resolves when everything sent before the call is acknowledged (or dead-lettered); rejects with the reason a sync attempt failed. */
  async flush(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    this.start();
    const done = this.producer.flush(options);
    this.channel.post({ type: "flush" });
    return done;
  }

  /** Pending, delivered and dead-lettered counts from IndexedDB, with this tab's view of the sync loop. */
  async stats(): Promise<OutboxStats> {
    return {
      ...(await this.producer.stats()),
      inFlight: this.inFlight,
      state: this.syncState,
      lastError: this.lastError,
      persisted: this.persisted,
      storage: await storageReport(),
    };
  }

  /** Messages the broker refused for good, oldest first, with the reason. */
  deadLetters(limit?: number): Promise<LocalDeadLetter[]> {
    return this.producer.deadLetters.list(limit);
  }

  /** Removes dead letters the app has dealt with (by seq). */
  discardDeadLetters(seqs: readonly number[]): Promise<void> {
    return this.producer.deadLetters.discard(seqs);
  }

  /** Replaces the token; a sync paused by 401/403 resumes, in whichever tab syncs. */
  setToken(token: string): void {
    this.token = token;
    this.producer.resumeAuth();
    this.channel.post({ type: "token", token });
  }

  /**
   * The app has new credentials behind its `token()` function (the person
   * signed in again): a sync paused by 401/403 asks it again and resumes, in
   * whichever tab syncs.
   */
  resumeAuth(): void {
    this.producer.resumeAuth();
    this.channel.post({ type: "token" });
  }

  /** Competes for the sync lock (done by `open` unless `autoSync: false`). */
  start(): void {
    if (this.leading || this.closing.signal.aborted) return;
    this.leading = runAsLeader(`edgeq-outbox:${this.db.name}`, this.closing.signal, (signal) =>
      this.producer.run(signal),
    ).catch((error: unknown) => {
      if (!this.closing.signal.aborted) this.setState("standby", summarizeError(error, Date.now()));
    });
  }

  /** Stops syncing (another tab takes over), closes the database; pending messages stay for next time. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort(new EdgeqError("closed", "the outbox is closed"));
    this.producer.close();
    await this.leading;
    this.setState("closed");
    this.channel.close();
    await this.store.close();
  }

  /** Listens to `queued`, `acknowledged`, `failed`, `syncstate`, `online`, `offline` and `persisted` (typed by `OutboxEventMap`). */
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
    if (type === "queued" && listener) this.queuedHeard = true;
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  private async currentToken(request: TokenRequest): Promise<string> {
    return typeof this.token === "function" ? await this.token(request) : (this.token ?? "");
  }

  /** @internal Messages entered the log here: events, and the syncing tab should look. */
  queued(messages: QueuedMessage[]): void {
    if (this.queuedHeard) this.dispatchEvent(new CustomEvent("queued", { detail: { messages } }));
    this.producer.wake(false);
    this.channel.postQueued();
  }

  /** Progress, from this tab's sync loop (`local`) or the syncing tab's broadcast. */
  private delivered(messages: DeliveredMessage[], local: boolean): void {
    this.dispatchEvent(new CustomEvent("acknowledged", { detail: { messages } }));
    if (local) this.channel.post({ type: "delivered", messages });
    else void this.producer.progressed();
  }

  private deadLettered(deadLetter: LocalDeadLetter, local: boolean): void {
    this.dispatchEvent(new CustomEvent("failed", { detail: { deadLetter } }));
    if (local) this.channel.post({ type: "dead", deadLetter });
    else void this.producer.progressed();
  }

  private setState(state: SyncState, error?: ErrorSummary): void {
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
        this.producer.wake(false);
        break;
      case "flush":
        this.producer.wake(true);
        break;
      case "token":
        if (message.token !== undefined && typeof this.token !== "function")
          this.token = message.token;
        this.producer.resumeAuth();
        break;
      case "delivered":
        this.delivered(message.messages, false);
        break;
      case "dead":
        this.deadLettered(message.deadLetter, false);
        break;
      case "state":
        // Another tab syncs: mirror what it reports, but this tab stays in standby.
        this.inFlight = message.inFlight;
        if (message.error) {
          this.lastError = message.error;
          this.producer.failFlushes(message.error);
        }
        break;
    }
  }

  private listenToPage(): void {
    // Removed by `close()`, through the closing signal.
    const on = (target: EventTarget | undefined, type: string, handler: () => void) =>
      target?.addEventListener(type, handler, { signal: this.closing.signal });
    const win = typeof window === "undefined" ? undefined : window;
    for (const type of ["online", "offline"] as const)
      on(win, type, () => {
        this.dispatchEvent(new Event(type));
        this.producer.wake(true);
      });
    const doc = typeof document === "undefined" ? undefined : document;
    on(doc, "visibilitychange", () => {
      if (doc?.visibilityState === "visible") this.producer.wake(true);
    });
    // Back from the back/forward cache (Safari and Firefox keep pages there
    // readily): timers were frozen meanwhile, and no `visibilitychange` need come.
    on(win, "pageshow", () => this.producer.wake(true));
  }

  /**
   * Asks the browser to keep this origin's storage (`navigator.storage.persist()`)
   * and resolves with its answer, also reported as a `persisted` event and in
   * `stats()`. Chromium answers at once from its own heuristics; Firefox asks
   * the person and resolves when they answer (it may stay pending); false
   * where the browser has no StorageManager.
   */
  async persist(): Promise<boolean> {
    const storage = globalThis.navigator?.storage;
    const persisted = storage?.persist ? await storage.persist().catch(() => false) : false;
    this.persisted = persisted;
    this.dispatchEvent(new CustomEvent("persisted", { detail: { persisted } }));
    return persisted;
  }

  private assertOpen(): void {
    if (this.closing.signal.aborted) throw new EdgeqError("closed", "the outbox is closed");
  }
}

async function storageReport(): Promise<StorageReport> {
  const storage = globalThis.navigator?.storage;
  // A failed read says nothing: undefined, like a browser without the API.
  const [persisted, estimate] = await Promise.all([
    storage?.persisted?.().catch(() => undefined),
    storage?.estimate?.().catch(() => undefined),
  ]);
  return { persisted, usage: estimate?.usage, quota: estimate?.quota };
}

/**
 * Opens (or creates) the outbox and starts syncing: `Outbox.open`.
 *
 * @example
 * ```ts
 * import { createOutbox } from "@edgeq/browser";
 *
 * const outbox = await createOutbox({ url: "https://queue.example.com", topic: "orders", token: "…" });
 * const { seq } = await outbox.send({ order: 9 }, { key: "cart-9" }); // durable in IndexedDB now
 * outbox.addEventListener("acknowledged", (e) => console.log("in the broker's log", e.detail.messages));
 * outbox.addEventListener("failed", (e) => console.warn("refused", e.detail.deadLetter.reason));
 * await outbox.flush(); // everything sent so far is acknowledged, or this rejects with why not
 * console.log(seq, await outbox.stats());
 * ```
 */
export function createOutbox(options: OutboxOptions): Promise<Outbox> {
  return Outbox.open(options);
}
