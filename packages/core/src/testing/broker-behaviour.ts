import { describe } from "vitest";
import { registerConsumeBehaviour } from "./broker-consume.js";
import { registerProduceBehaviour } from "./broker-produce.js";
import type { SuiteOptions } from "./harness.js";

/**
 * The broker's whole behaviour, over the adapter under test: every feature of
 * the engine, driven through `Broker` with a manual clock, restarts included
 * (the harness's `reopen`).
 */
export function runBrokerBehaviour(options: SuiteOptions): void {
  describe(`${options.name ?? "store"}: broker behaviour`, () => {
    registerProduceBehaviour(options);
    registerConsumeBehaviour(options);
  });
}
