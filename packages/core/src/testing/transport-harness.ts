import { expect } from "vitest";
import type { Transport } from "../client/transport.js";
import { EdgeqError, type EdgeqErrorCode } from "../errors.js";

/** What the transport conformance suite needs from the transport under test. */
export interface TransportHarness {
  transport: Transport;
  /**
   * A topic with at least 2 queues (4 in edgeq's own runs), whose
   * `maxReconsumeTimes` is the one below; its retry schedule and lease
   * length do not matter (the suite asks for delay 0 and long leases). The
   * topic may be shared with other tests: the suite uses fresh producer ids,
   * keys and groups and never assumes a queue is empty.
   */
  topic: string;
  /** The topic's `maxReconsumeTimes`: failures before a message is dead-lettered. */
  maxReconsumeTimes: number;
  /** Called after each test. */
  close?(): Promise<void>;
}

/** Registers one test of the suite: the harness is set up before and closed after. */
export type ContractTest = (name: string, fn: (h: TransportHarness) => Promise<void>) => void;

/** Asserts that `promise` rejects with an `EdgeqError` of `code`, and returns the error. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: EdgeqErrorCode,
): Promise<EdgeqError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected an EdgeqError ${code}`).toBeInstanceOf(EdgeqError);
  expect((error as EdgeqError).code).toBe(code);
  return error as EdgeqError;
}

/** A name no other test uses (producer ids, keys, groups, tags). */
export function fresh(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** A new group positioned at every queue's head: it sees only what is sent after. */
export async function groupAtHead(h: TransportHarness): Promise<string> {
  const group = fresh("g");
  const stats = await h.transport.stats(h.topic);
  const offsets = Object.fromEntries(stats.queues.map((q) => [String(q.queueId), q.headOffset]));
  await h.transport.commitOffsets(h.topic, group, offsets);
  return group;
}
