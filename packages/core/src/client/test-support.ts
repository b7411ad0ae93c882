import { type Sleep, sleep } from "./retry.js";
import type { Transport } from "./transport.js";

export { FakeTransport } from "./fake-transport.js";

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

  private addFault(call: CallName, when: Fault["when"], options: FaultOptions): this {
    const error = options.error ?? (() => new Error(`injected fault: ${call} (${when})`));
    this.faults.push({ call, when, skip: options.skip ?? 0, times: options.times ?? 1, error });
    return this;
  }

  private async run<T>(call: CallName, forward: () => Promise<T>): Promise<T> {
    this.calls.push(call);
    const fault = this.faults.find((f) => f.call === call && (f.skip > 0 || f.times > 0));
    if (fault && fault.skip > 0) fault.skip--;
    else if (fault) {
      fault.times--;
      if (fault.when === "before") throw fault.error();
      await forward();
      throw fault.error();
    }
    return forward();
  }

  topicInfo: Transport["topicInfo"] = (...a) =>
    this.run("topicInfo", () => this.inner.topicInfo(...a));
  send: Transport["send"] = (...a) => this.run("send", () => this.inner.send(...a));
  read: Transport["read"] = (...a) => this.run("read", () => this.inner.read(...a));
  getOffsets: Transport["getOffsets"] = (...a) =>
    this.run("getOffsets", () => this.inner.getOffsets(...a));
  commitOffsets: Transport["commitOffsets"] = (...a) =>
    this.run("commitOffsets", () => this.inner.commitOffsets(...a));
  receive: Transport["receive"] = (...a) => this.run("receive", () => this.inner.receive(...a));
  ack: Transport["ack"] = (...a) => this.run("ack", () => this.inner.ack(...a));
  nack: Transport["nack"] = (...a) => this.run("nack", () => this.inner.nack(...a));
  extend: Transport["extend"] = (...a) => this.run("extend", () => this.inner.extend(...a));
  sendBack: Transport["sendBack"] = (...a) => this.run("sendBack", () => this.inner.sendBack(...a));
  getMessage: Transport["getMessage"] = (...a) =>
    this.run("getMessage", () => this.inner.getMessage(...a));
  queryByKey: Transport["queryByKey"] = (...a) =>
    this.run("queryByKey", () => this.inner.queryByKey(...a));
  listDeadLetters: Transport["listDeadLetters"] = (...a) =>
    this.run("listDeadLetters", () => this.inner.listDeadLetters(...a));
  redrive: Transport["redrive"] = (...a) => this.run("redrive", () => this.inner.redrive(...a));
  stats: Transport["stats"] = (...a) => this.run("stats", () => this.inner.stats(...a));
  endTransaction: Transport["endTransaction"] = (...a) =>
    this.run("endTransaction", () => this.inner.endTransaction(...a));
  listTransactions: Transport["listTransactions"] = (...a) =>
    this.run("listTransactions", () => this.inner.listTransactions(...a));
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

/** Yields to the event loop until `predicate` holds; fails after `rounds` tries (no wall-clock limit). */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  rounds = 2000,
): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (await predicate()) return;
    await sleep(0);
  }
  throw new Error(`condition not met after ${rounds} rounds: ${predicate.toString()}`);
}

/** Gives pending work `rounds` turns of the event loop (to show that something did NOT happen). */
export async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await sleep(0);
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
