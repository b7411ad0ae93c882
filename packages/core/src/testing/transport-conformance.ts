import { describe, it } from "vitest";
import { registerConsumeContract } from "./transport-consume.js";
import type { ContractTest, TransportHarness } from "./transport-harness.js";
import { registerProduceContract } from "./transport-produce.js";

export type { TransportHarness } from "./transport-harness.js";

/** Options of `runTransportConformance`: the transport under test and what to skip. */
export interface TransportSuiteOptions {
  /** Prefix of the describe block, e.g. the transport's name. */
  name: string;
  /** Gives each test a transport to a broker holding `topic`. */
  setup(): Promise<TransportHarness>;
  /** Tests to skip, each with the reason (shown in the test name). */
  skip?: Record<string, string>;
}

/**
 * The contract of the `Transport` interface, the same over every transport
 * (in-process, HTTP, RPC): results, ordering, dedup, offsets, receipts, the
 * retry and dead-letter path, transactions, and errors as `EdgeqError` with
 * the protocol's codes. Nothing in it waits on time: retries are asked for
 * with delay 0, and lease expiry and delayed delivery are left to
 * host-specific tests. Register it from the transport's test file:
 * `runTransportConformance({ name: "http", setup })`.
 */
export function runTransportConformance(options: TransportSuiteOptions): void {
  const test: ContractTest = (name, fn) => {
    const reason = options.skip?.[name];
    const run = async () => {
      const harness = await options.setup();
      try {
        await fn(harness);
      } finally {
        await harness.close?.();
      }
    };
    if (reason) it.skip(`${name} (skipped: ${reason})`, run);
    else it(name, run);
  };
  describe(`${options.name}: transport conformance`, () => {
    registerProduceContract(test);
    registerConsumeContract(test);
  });
}
