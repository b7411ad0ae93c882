import {
  createOutbox,
  type Outbox,
  type OutboxOptions,
  type StorageReport,
  type SyncState,
} from "@edgeq/browser";
import type { ErrorSummary } from "@edgeq/core/durable";

/** Where a shared outbox is, as the hooks show it. */
export type OutboxStatus =
  /** On the server (SSR) or in an environment without IndexedDB: nothing is opened. */
  | "unavailable"
  | "opening"
  | "ready"
  /** Opening failed (`error` says why). */
  | "error"
  | "closed";

/** What `useOutboxState` returns: one immutable snapshot, replaced on every change. */
export interface OutboxState {
  status: OutboxStatus;
  /** Durable on this device, not yet acknowledged by the broker (or refused). */
  pending: number;
  /** On the wire now (as the syncing tab last reported). */
  inFlight: number;
  /** Refused by the broker for good, or expired, kept on this device. */
  deadLetters: number;
  acknowledged: number;
  /** The sync loop's state in this tab; `standby` while another tab syncs. */
  syncState: SyncState | undefined;
  /** The broker refused the credentials (401/403): sending waits for `resumeAuth`/`setToken`. */
  pausedForAuth: boolean;
  /** What `navigator.storage.persist()` answered, when the outbox asked (`persist: true`). */
  persisted: boolean | undefined;
  /** Whether this origin's storage is persisted, and its usage and quota, as the browser says. */
  storage: StorageReport | undefined;
  online: boolean;
  lastError: ErrorSummary | undefined;
  /** Why opening failed (status `error`). */
  error: unknown;
  /** Grows on every change, in this tab or another: a cheap dependency for effects. */
  version: number;
}

/** The state on the server and during hydration: the same on both, so markup never mismatches. */
export const UNAVAILABLE: OutboxState = Object.freeze({
  status: "unavailable",
  pending: 0,
  inFlight: 0,
  deadLetters: 0,
  acknowledged: 0,
  syncState: undefined,
  pausedForAuth: false,
  persisted: undefined,
  storage: undefined,
  online: true,
  lastError: undefined,
  error: undefined,
  version: 0,
});

const OUTBOX_EVENTS = ["queued", "acknowledged", "failed", "syncstate", "online", "offline"];

/** A value derived from the outbox (a message's status, the dead letters), reloaded on change. */
interface Derived<V> {
  users: number;
  value: V | undefined;
  load(outbox: Outbox): Promise<V>;
}

/**
 * One outbox shared by every component that names the same database: opened
 * by the first user, closed when the last one leaves. Its state is a
 * snapshot for `useSyncExternalStore`, refreshed from the outbox's events and
 * from other tabs (a BroadcastChannel of its own: the outbox tells other tabs
 * only what its sync loop needs, not that a tab queued or discarded).
 */
export class SharedOutbox {
  private users = 0;
  private snapshot: OutboxState = { ...UNAVAILABLE, status: "opening" };
  private readonly listeners = new Set<() => void>();
  private readonly derived = new Map<string, Derived<unknown>>();
  private opened: Promise<Outbox> | undefined;
  private outbox: Outbox | undefined;
  private channel: BroadcastChannel | undefined;
  private closing = new AbortController();
  /** One refresh at a time, and one more after it when something changed meanwhile. */
  private refreshing: Promise<void> | undefined;
  private again = false;

  constructor(
    readonly key: string,
    private options: OutboxOptions,
    /** Called once closed, so the registry forgets this entry. */
    private readonly onClosed: () => void,
  ) {}

  /** The outbox, once open: rejects when opening failed. */
  ready(): Promise<Outbox> {
    this.opened ??= this.open();
    return this.opened;
  }

  /** The latest options win for what a reopen would use; an open outbox keeps its own. */
  update(options: OutboxOptions): void {
    this.options = options;
  }

  getSnapshot = (): OutboxState => this.snapshot;

  /** For `useSyncExternalStore`: subscribing is using (it opens), unsubscribing may close. */
  subscribe = (listener: () => void): (() => void) => {
    const release = this.acquire();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      release();
    };
  };

  /** Counts a user; the returned function releases it (once). */
  acquire(): () => void {
    this.users++;
    void this.ready().catch(() => undefined);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.users--;
      // React's StrictMode and a remount within one task release and acquire again at
      // once: close only if nobody came back by the next microtask.
      queueMicrotask(() => {
        if (this.users === 0) void this.close();
      });
    };
  }

  /** Something changed that the outbox fires no event for here (another tab's send, a discard). */
  changed(local = true): void {
    if (local) this.channel?.postMessage("changed");
    this.refresh();
  }

  /** A derived value's current snapshot, and a subscription that keeps it loaded. */
  derive<V>(
    id: string,
    load: (outbox: Outbox) => Promise<V>,
  ): {
    get: () => V | undefined;
    subscribe: (listener: () => void) => () => void;
  } {
    const entry = () => {
      let d = this.derived.get(id) as Derived<V> | undefined;
      if (!d) {
        d = { users: 0, value: undefined, load };
        this.derived.set(id, d as Derived<unknown>);
      }
      return d;
    };
    return {
      get: () => (this.derived.get(id) as Derived<V> | undefined)?.value,
      subscribe: (listener) => {
        const d = entry();
        d.users++;
        const unsubscribe = this.subscribe(listener);
        if (d.users === 1) this.refresh();
        return () => {
          unsubscribe();
          d.users--;
          if (d.users === 0) this.derived.delete(id);
        };
      },
    };
  }

  private async open(): Promise<Outbox> {
    try {
      const outbox = await createOutbox(this.options);
      // Every user left while it opened: `close` closes it, nothing to listen to.
      if (this.closing.signal.aborted) return outbox;
      this.outbox = outbox;
      const { signal } = this.closing;
      for (const type of OUTBOX_EVENTS)
        outbox.addEventListener(type, () => this.refresh(), { signal });
      outbox.addEventListener("queued", () => this.channel?.postMessage("changed"), { signal });
      if (typeof BroadcastChannel !== "undefined") {
        this.channel = new BroadcastChannel(`edgeq-react:${outbox.db.name}`);
        this.channel.onmessage = () => this.changed(false);
      }
      this.refresh();
      return outbox;
    } catch (error) {
      // Kept in the registry until its last user leaves: a fresh entry per render would
      // retry (and fail) on every render.
      this.set({ ...this.snapshot, status: "error", error, version: this.snapshot.version + 1 });
      throw error;
    }
  }

  private refresh(): void {
    if (!this.outbox) return;
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = this.load(this.outbox)
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = undefined;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      });
  }

  /** Reads everything first, then publishes one snapshot, so no component sees half an update. */
  private async load(outbox: Outbox): Promise<void> {
    const derived = [...this.derived.values()];
    const [stats, values] = await Promise.all([
      outbox.stats(),
      Promise.all(derived.map((d) => d.load(outbox))),
    ]);
    if (this.closing.signal.aborted) return;
    derived.forEach((d, i) => {
      d.value = values[i];
    });
    this.set({
      status: "ready",
      pending: stats.pending,
      inFlight: stats.inFlight,
      deadLetters: stats.deadLetters,
      acknowledged: stats.acknowledged,
      syncState: stats.state,
      pausedForAuth: stats.state === "paused",
      persisted: stats.persisted,
      storage: stats.storage,
      online: globalThis.navigator?.onLine !== false,
      lastError: stats.lastError,
      error: undefined,
      version: this.snapshot.version + 1,
    });
  }

  private set(snapshot: OutboxState): void {
    this.snapshot = snapshot;
    for (const listener of [...this.listeners]) listener();
  }

  private async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.onClosed();
    this.channel?.close();
    const outbox = await this.opened?.catch(() => undefined);
    await outbox?.close();
    this.set({ ...this.snapshot, status: "closed", version: this.snapshot.version + 1 });
  }
}
