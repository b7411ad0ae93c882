import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { type LocalBroker, type LocalBrokerOptions, startLocalBroker } from "./local-broker.js";

/** A restartable broker of the restart and failover tests (see `persistedBroker`). */
export interface PersistedBroker {
  /** This test's persisted directory. */
  readonly dir: string;
  /** The running broker, if any. */
  readonly broker: LocalBroker | undefined;
  /** Disposes the runtime (if any) and starts a new one over the same persisted directory. */
  restart(): Promise<void>;
  /** Disposes the runtime; the persisted data stays. */
  stop(): Promise<void>;
}

/**
 * A local broker over a fresh persisted directory per test (removed after
 * it), restarted over the same data as a test needs: register it at the top
 * of a test file, it wires `beforeEach` and `afterEach`.
 */
export function persistedBroker(options: Omit<LocalBrokerOptions, "persistDir">): PersistedBroker {
  let dir: string | undefined;
  let broker: LocalBroker | undefined;
  const stop = async () => {
    await broker?.stop();
    broker = undefined;
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "edgeq-persisted-"));
  });
  afterEach(async () => {
    await stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      if (!dir) throw new Error("no test is running");
      return dir;
    },
    get broker() {
      return broker;
    },
    async restart() {
      await stop();
      broker = await startLocalBroker({ ...options, persistDir: this.dir });
    },
    stop,
  };
}
