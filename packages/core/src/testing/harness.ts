import type { JsonValue } from "../model.js";
import type { Store, StoreEntry, StoreOp, StoreRange } from "../store/store.js";

/** How a conformance suite gets stores of the adapter under test. */
export interface StoreHarness {
  /** A fresh, empty store. */
  create(): Promise<Store>;
  /**
   * Closes `store` and opens a new one over the same durable data, as a
   * restart would (a reopened IndexedDB database, a Durable Object's storage
   * seen by a new object). `store` may already be closed. Every store keeps
   * its data (a MemoryStore over the same MemoryStorage), so every harness can.
   */
  reopen(store: Store): Promise<Store>;
}

export interface SuiteOptions extends StoreHarness {
  /** Prefix of the describe block, e.g. the adapter name. */
  name?: string;
  /** Tests to skip, each with the reason (shown in the test name). */
  skip?: Record<string, string>;
}

/** Wraps a store to count writes and to fail chosen ones: how the suites see group commit and write failures. */
export class ProbedStore implements Store {
  writes = 0;
  private failures = 0;

  constructor(readonly inner: Store) {}

  /** The next `n` writes reject without reaching the store. */
  failNextWrites(n = 1): void {
    this.failures += n;
  }

  get(key: string): Promise<JsonValue | undefined> {
    return this.inner.get(key);
  }

  scan(range: StoreRange): Promise<StoreEntry[]> {
    return this.inner.scan(range);
  }

  async write(ops: readonly StoreOp[]): Promise<void> {
    this.writes++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error("injected write failure");
    }
    await this.inner.write(ops);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
