import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { resolveTopicConfig } from "../src/engine/config.js";
import { QueueEngine } from "../src/engine/queue-engine.js";
import { normalizeAppend } from "../src/engine/validate.js";
import { EdgeqError } from "../src/errors.js";
import { MemoryStorage, openMemoryStore } from "../src/store/memory-store.js";

/**
 * Producers that declare an epoch (Kafka's idempotent producer, the Durable
 * Streams `Producer-Epoch`): a newer epoch fences the older, seqs restart at 0
 * and must be gapless; all of it on the same producer window as plain dedup.
 */
const config = resolveTopicConfig({ queueCount: 1 });

async function open(storage = new MemoryStorage()) {
  const clock = new ManualClock(1_000);
  return QueueEngine.open(await openMemoryStore({ storage }), {
    topic: "t",
    queueId: 0,
    config,
    clock,
  });
}

function send(engine: QueueEngine, producerEpoch: number, seqs: number[]) {
  const batch = normalizeAppend(
    { producerId: "p", producerEpoch, messages: seqs.map((seq) => ({ seq, body: { seq } })) },
    config,
    1_000,
  );
  return engine.append(batch);
}

async function failure(promise: Promise<unknown>): Promise<EdgeqError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EdgeqError);
  return error as EdgeqError;
}

describe("producer epochs", () => {
  it("stores gapless seqs once and answers a retry as a duplicate at its offset", async () => {
    const engine = await open();
    expect((await send(engine, 0, [0])).map((r) => r.status)).toEqual(["stored"]);
    expect((await send(engine, 0, [1, 2])).map((r) => r.offset)).toEqual([1, 2]);
    const again = await send(engine, 0, [1]);
    expect(again).toMatchObject([{ status: "duplicate", offset: 1 }]);
    expect(engine.queueStats().headOffset).toBe(3);
  });

  it("refuses a gap with the expected and received seq, storing nothing", async () => {
    const engine = await open();
    await send(engine, 0, [0]);
    const error = await failure(send(engine, 0, [2]));
    expect(error.code).toBe("conflict");
    expect(error.details).toEqual({ expectedSeq: 1, receivedSeq: 2 });
    expect(engine.queueStats().headOffset).toBe(1);
  });

  it("a new epoch restarts at seq 0 and fences the old one", async () => {
    const engine = await open();
    await send(engine, 0, [0, 1]);
    expect((await send(engine, 1, [0]))[0]).toMatchObject({ status: "stored", offset: 2 });
    const fenced = await failure(send(engine, 0, [2]));
    expect(fenced.code).toBe("forbidden");
    expect(fenced.details).toEqual({ epoch: 1 });
    const late = await failure(send(engine, 2, [1]));
    expect(late.code).toBe("invalid_request");
    expect(engine.queueStats().headOffset).toBe(3);
  });

  it("keeps the epoch across a reopen of the store", async () => {
    const storage = new MemoryStorage();
    const first = await open(storage);
    await send(first, 3, [0]);
    await first.close();
    const reopened = await open(storage);
    expect((await failure(send(reopened, 2, [1]))).details).toEqual({ epoch: 3 });
    expect((await send(reopened, 3, [0]))[0]?.status).toBe("duplicate");
    expect((await send(reopened, 3, [1]))[0]?.status).toBe("stored");
  });

  it("needs a producer and a seq on every message", () => {
    expect(() => normalizeAppend({ producerEpoch: 0, messages: [{ body: 1 }] }, config, 0)).toThrow(
      /producerId/,
    );
    expect(() =>
      normalizeAppend({ producerId: "p", producerEpoch: 0, messages: [{ body: 1 }] }, config, 0),
    ).toThrow(/seq/);
  });
});

describe("producerSession", () => {
  it("says new or duplicate with the session's last seq, changing nothing", async () => {
    const engine = await open();
    expect(await engine.producerSession("p", 0, 0)).toEqual({ status: "new", lastSeq: -1 });
    await send(engine, 0, [0, 1, 2]);
    expect(await engine.producerSession("p", 0, 1)).toEqual({ status: "duplicate", lastSeq: 2 });
    expect(await engine.producerSession("p", 0, 3)).toEqual({ status: "new", lastSeq: 2 });
    expect(await engine.producerSession("p", 1, 0)).toEqual({ status: "new", lastSeq: -1 });
    // Asking about epoch 1 did not start it: epoch 0 still appends.
    expect((await send(engine, 0, [3]))[0]?.status).toBe("stored");
  });

  it("refuses as append would: fenced, gap", async () => {
    const engine = await open();
    await send(engine, 2, [0]);
    expect((await failure(engine.producerSession("p", 1, 0))).code).toBe("forbidden");
    expect((await failure(engine.producerSession("p", 2, 5))).details).toEqual({
      expectedSeq: 1,
      receivedSeq: 5,
    });
  });
});
