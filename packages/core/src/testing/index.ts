/**
 * `@edgeq/core/testing`: suites every Store adapter and every Transport runs
 * from its own tests (Vitest), so the contracts and the engine's behaviour
 * are proven on each platform.
 */

export { runBrokerBehaviour } from "./broker-behaviour.js";
export { type BrokerFixture, expectCode, openFixture, readAll } from "./broker-fixture.js";
export { ProbedStore, type StoreHarness, type SuiteOptions } from "./harness.js";
export { flushed } from "./producer-flush.js";
export { runStoreConformance } from "./store-conformance.js";
export {
  runTransportConformance,
  type TransportHarness,
  type TransportSuiteOptions,
} from "./transport-conformance.js";
