import { createCollection, localOnlyCollectionOptions } from "@tanstack/db";
import {
  IndexedDBAdapter,
  type OnlineDetector,
  type StorageAdapter,
  startOfflineExecutor,
} from "@tanstack/offline-transactions";
import { deleteDB } from "idb";
import { expect, inject, it } from "vitest";
import { createOutbox } from "../src/index.js";
import { goalLine, median, recordGoalRows, timed } from "./measure.js";

// What an app would pick instead of edgeq's outbox: TanStack DB's offline
// transactions, one offline transaction per message, its mutationFn posting
// the message to the same local broker.
const N = 1_000;
const REPS = 3;
const TOKEN = "test-token";
const TOPIC = "bench";

interface Todo {
  id: string;
  title: string;
  done: boolean;
}
const todo = (i: number): Todo => ({ id: `todo-${i}`, title: "buy milk", done: i % 2 === 0 });

/** Offline until told otherwise, so enqueueing and draining are measured apart. */
class Switch implements OnlineDetector {
  #online = false;
  readonly #listeners = new Set<() => void>();
  subscribe(callback: () => void): () => void {
    this.#listeners.add(callback);
    return () => this.#listeners.delete(callback);
  }
  notifyOnline(): void {
    for (const callback of this.#listeners) callback();
  }
  isOnline(): boolean {
    return this.#online;
  }
  goOnline(): void {
    this.#online = true;
    this.notifyOnline();
  }
  dispose(): void {
    this.#listeners.clear();
  }
}

/** Resolves after `count` calls of the returned tick. */
function countdown(count: number): { tick: () => void; done: Promise<void> } {
  let left = count;
  let resolve!: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  return { tick: () => void (--left === 0 && resolve()), done };
}

async function post(body: unknown): Promise<void> {
  const response = await fetch(`${inject("brokerUrl")}/v1/topics/${TOPIC}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ body }] }),
  });
  if (!response.ok) throw new Error(`produce answered ${response.status}`);
  await response.text();
}

let run = 0;

async function tanstack(): Promise<{ enqueue: number; drain: number }> {
  const name = `tanstack-${Date.now().toString(36)}-${run++}`;
  await deleteDB(name);
  const idb = new IndexedDBAdapter(name, "transactions");
  // Its outbox's write of a transaction is the durable enqueue.
  const stored = countdown(N);
  const storage: StorageAdapter = {
    get: (key) => idb.get(key),
    set: async (key, value) => {
      await idb.set(key, value);
      stored.tick();
    },
    delete: (key) => idb.delete(key),
    keys: () => idb.keys(),
    clear: () => idb.clear(),
  };
  const posted = countdown(N);
  const todos = createCollection(
    localOnlyCollectionOptions<Todo, string>({ id: name, getKey: (t) => t.id }),
  );
  const network = new Switch();
  const executor = startOfflineExecutor({
    collections: { todos },
    mutationFns: {
      post: async ({ transaction }) => {
        for (const mutation of transaction.mutations) await post(mutation.modified);
        posted.tick();
      },
    },
    storage,
    onlineDetector: network,
  });
  await executor.waitForInit();
  expect(executor.isOfflineEnabled).toBe(true);
  const enqueue = await timed(async () => {
    for (let i = 0; i < N; i++) {
      const tx = executor.createOfflineTransaction({ mutationFnName: "post", autoCommit: false });
      tx.mutate(() => todos.insert(todo(i)));
      // Settles once the message is posted; the countdowns measure each step.
      void tx.commit().catch(() => {});
    }
    await stored.done;
  });
  const drain = await timed(async () => {
    network.goOnline();
    await posted.done;
  });
  executor.dispose();
  return { enqueue, drain };
}

async function edgeq(): Promise<{ enqueue: number; drain: number }> {
  const name = `tanstack-vs-${Date.now().toString(36)}-${run++}`;
  await deleteDB(`edgeq-outbox:${name}`);
  const outbox = await createOutbox({
    url: inject("brokerUrl"),
    topic: TOPIC,
    token: TOKEN,
    name,
    autoSync: false,
  });
  // An app's pattern: one send per change, as they happen.
  const enqueue = await timed(() =>
    Promise.all(Array.from({ length: N }, (_, i) => outbox.send(todo(i)))),
  );
  const drain = await timed(() => outbox.flush());
  expect((await outbox.stats()).acknowledged).toBe(N);
  await outbox.close();
  return { enqueue, drain };
}

it(`outbox vs @tanstack/offline-transactions, ${N} messages`, async () => {
  const theirs: Array<{ enqueue: number; drain: number }> = [];
  const ours: Array<{ enqueue: number; drain: number }> = [];
  for (let rep = 0; rep < REPS; rep++) {
    theirs.push(await tanstack());
    ours.push(await edgeq());
  }
  const ms = (xs: Array<{ enqueue: number; drain: number }>, k: "enqueue" | "drain") =>
    median(xs.map((x) => x[k]));
  const rate = (n: number) => Math.round((N / n) * 1000).toLocaleString("en");
  const perSecond = (xs: Array<{ enqueue: number; drain: number }>, k: "enqueue" | "drain") =>
    (N / ms(xs, k)) * 1000;
  console.log(
    [
      "",
      `browser outbox vs @tanstack/offline-transactions 1.0.53 (IndexedDB, one offline transaction per message, median of ${REPS}):`,
      `  durable enqueue: ${rate(ms(ours, "enqueue"))} vs ${rate(ms(theirs, "enqueue"))} msg/s`,
      `  drain to the broker: ${rate(ms(ours, "drain"))} vs ${rate(ms(theirs, "drain"))} msg/s`,
      goalLine(
        "vs tanstack offline-transactions: durable enqueue",
        { edgeq: perSecond(ours, "enqueue"), baseline: perSecond(theirs, "enqueue") },
        2,
      ),
      goalLine(
        "vs tanstack offline-transactions: drain",
        { edgeq: perSecond(ours, "drain"), baseline: perSecond(theirs, "drain") },
        5,
      ),
      "",
    ].join("\n"),
  );
  await recordGoalRows();
});
