import { ManualClock } from "../clock.js";
import { Broker } from "../engine/broker.js";
import type { TopicConfig } from "../engine/config.js";
import type { Message, OutgoingMessage } from "../model.js";
import { MemoryStorage, openMemoryStore } from "../store/memory-store.js";
import { LocalTransport } from "./local-transport.js";
import { type Sleep, sleep } from "./retry.js";
import type { Transport } from "./transport.js";

/** Helpers for client tests. Nothing here is used by the client code itself. */

export type CallName = keyof Transport;

export interface FaultOptions {
  /** Let this many matching calls through before failing. Default 0. */
  skip?: number;
  /** Fail this many calls, then behave. Default 1; `Infinity` until `heal`. */
  times?: number;
  /** What to throw. Default: a plain `Error`, as a failed fetch would be. */
  error?: () => unknown;
}

interface Fault {
  call: CallName;
  when: "before" | "after";
  skip: number;
  times: number;
  error: () => unknown;
}

/**
 * Wraps a Transport and injects faults by call name and count: fail a call
 * before forwarding it (the broker never saw it), or forward it and then
 * throw (the broker acted, the response was lost).
 */
export class FaultyTransport implements Transport {
  /** Every call's name, in order, including failed ones. */
  readonly calls: CallName[] = [];
  /**
   * Every call that reached the inner transport (those failed `before` did
   * not), with a copy of its arguments taken when it was made (signals left out).
   */
  readonly forwarded: Array<{ call: CallName; args: unknown[] }> = [];
  private faults: Fault[] = [];

  constructor(readonly inner: Transport) {}

  failBefore(call: CallName, options: FaultOptions = {}): this {
    return this.addFault(call, "before", options);
  }

  failAfter(call: CallName, options: FaultOptions = {}): this {
    return this.addFault(call, "after", options);
  }

  /** Removes every fault on `call` (or on all calls). */
  heal(call?: CallName): void {
    this.faults = this.faults.filter((f) => call !== undefined && f.call !== call);
  }

  count(call: CallName): number {
    return this.calls.filter((c) => c === call).length;
  }

  /** The arguments of every `call` that reached the inner transport, in order. */
  argsOf<C extends CallName>(call: C): Parameters<NonNullable<Transport[C]>>[] {
    return this.forwarded
      .filter((f) => f.call === call)
      .map((f) => f.args as Parameters<NonNullable<Transport[C]>>);
  }

  private addFault(call: CallName, when: Fault["when"], options: FaultOptions): this {
    const error = options.error ?? (() => new Error(`injected fault: ${call} (${when})`));
    this.faults.push({ call, when, skip: options.skip ?? 0, times: options.times ?? 1, error });
    return this;
  }

  private async run<T>(call: CallName, args: unknown[], forward: () => Promise<T>): Promise<T> {
    this.calls.push(call);
    const send = () => {
      this.forwarded.push({ call, args: args.map(withoutSignal) });
      return forward();
    };
    const fault = this.faults.find((f) => f.call === call && (f.skip > 0 || f.times > 0));
    if (fault && fault.skip > 0) fault.skip--;
    else if (fault) {
      fault.times--;
      if (fault.when === "before") throw fault.error();
      await send();
      throw fault.error();
    }
    return send();
  }

  topicInfo: Transport["topicInfo"] = (...a) =>
    this.run("topicInfo", a, () => this.inner.topicInfo(...a));
  send: Transport["send"] = (...a) => this.run("send", a, () => this.inner.send(...a));
  read: Transport["read"] = (...a) => this.run("read", a, () => this.inner.read(...a));
  getOffsets: Transport["getOffsets"] = (...a) =>
    this.run("getOffsets", a, () => this.inner.getOffsets(...a));
  commitOffsets: Transport["commitOffsets"] = (...a) =>
    this.run("commitOffsets", a, () => this.inner.commitOffsets(...a));
  receive: Transport["receive"] = (...a) => this.run("receive", a, () => this.inner.receive(...a));
  ack: Transport["ack"] = (...a) => this.run("ack", a, () => this.inner.ack(...a));
  nack: Transport["nack"] = (...a) => this.run("nack", a, () => this.inner.nack(...a));
  extend: Transport["extend"] = (...a) => this.run("extend", a, () => this.inner.extend(...a));
  sendBack: Transport["sendBack"] = (...a) =>
    this.run("sendBack", a, () => this.inner.sendBack(...a));
  getMessage: Transport["getMessage"] = (...a) =>
    this.run("getMessage", a, () => this.inner.getMessage(...a));
  queryByKey: Transport["queryByKey"] = (...a) =>
    this.run("queryByKey", a, () => this.inner.queryByKey(...a));
  listDeadLetters: Transport["listDeadLetters"] = (...a) =>
    this.run("listDeadLetters", a, () => this.inner.listDeadLetters(...a));
  redrive: Transport["redrive"] = (...a) => this.run("redrive", a, () => this.inner.redrive(...a));
  groupSettings: Transport["groupSettings"] = (...a) =>
    this.run("groupSettings", a, () => this.inner.groupSettings(...a));
  setGroupSettings: Transport["setGroupSettings"] = (...a) =>
    this.run("setGroupSettings", a, () => this.inner.setGroupSettings(...a));
  stats: Transport["stats"] = (...a) => this.run("stats", a, () => this.inner.stats(...a));
  endTransaction: Transport["endTransaction"] = (...a) =>
    this.run("endTransaction", a, () => this.inner.endTransaction(...a));
  listTransactions: Transport["listTransactions"] = (...a) =>
    this.run("listTransactions", a, () => this.inner.listTransactions(...a));
}

/** A copy of a call argument as it was when the call was made; an options object loses its signal. */
function withoutSignal(arg: unknown): unknown {
  if (typeof arg !== "object" || arg === null || !("signal" in arg)) return structuredClone(arg);
  const { signal: _signal, ...rest } = arg as { signal?: unknown };
  return structuredClone(rest);
}

/** Topic every client test uses. */
export const TOPIC = "t";

/**
 * The real engine for client tests: a Broker over a MemoryStore on a
 * ManualClock (nothing is due until the test advances it; `autoTick` is off),
 * topic `t` with one queue unless `config` says otherwise, and a
 * FaultyTransport over a LocalTransport into it.
 */
export async function openEngine(config: Partial<TopicConfig> = {}, storage = new MemoryStorage()) {
  const clock = new ManualClock();
  const broker = await Broker.open({ store: await openMemoryStore({ storage }), clock });
  await broker.createTopic(TOPIC, { queueCount: 1, ...config });
  const transport = new FaultyTransport(new LocalTransport(broker));
  return {
    broker,
    clock,
    storage,
    transport,
    /** Appends straight to the broker, anonymously (round-robin over the queues). */
    produce: (...messages: OutgoingMessage[]) => broker.send(TOPIC, { messages }),
    /** Every message retained, over all queues. */
    stored: () => storedMessages(broker),
    /** The group's committed offset on a queue, as the broker has it (undefined if none). */
    committed: async (group: string, queueId = 0) =>
      (await broker.getOffsets(TOPIC, group))[String(queueId)],
    /** A group's stats, summed over the queues (zeros before the group exists). */
    groupStats: async (group: string) =>
      (await broker.stats(TOPIC)).groups[group] ?? {
        inFlight: 0,
        retrying: 0,
        deadLetters: 0,
        lag: 0,
      },
    /**
     * Deletes a queue's messages below `offset`, as retention would: shrinks
     * `maxMessages` for one tick, then restores it.
     */
    async trim(queueId: number, offset: number): Promise<void> {
      const { headOffset } = (await broker.stats(TOPIC)).queues[queueId]!;
      const { maxMessages } = broker.topicConfig(TOPIC);
      await broker.updateTopic(TOPIC, { maxMessages: headOffset - offset });
      await broker.tick();
      await broker.updateTopic(TOPIC, { maxMessages });
    },
  };
}

export type Engine = Awaited<ReturnType<typeof openEngine>>;

async function storedMessages(broker: Broker): Promise<Message[]> {
  const out: Message[] = [];
  for (const q of (await broker.stats(TOPIC)).queues) {
    const read = await broker.read(TOPIC, q.queueId, { from: q.minOffset, limit: 1000 });
    out.push(...read.messages);
  }
  return out;
}

/** A sleep that waits one macrotask whatever it is asked, and records what it was asked. */
export function fastSleep(): Sleep & { delays: number[] } {
  const delays: number[] = [];
  const fn = (ms: number, signal?: AbortSignal) => {
    delays.push(ms);
    return sleep(0, signal);
  };
  return Object.assign(fn, { delays });
}

/**
 * Runs `turns` turns of the event loop. Only for the one claim no signal can
 * show, that a promise has not settled while the work it waits on is held
 * (close() waiting for a handler): everything else waits on an event, the
 * ManualClock, or `expect.poll` with its deadline.
 */
export async function eventLoopTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await sleep(0);
}

/** A promise with its resolve and reject, for handlers a test finishes by hand. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
