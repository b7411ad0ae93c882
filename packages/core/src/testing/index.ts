/**
 * `@edgeq/core/testing`: suites every Store adapter runs from its own tests
 * (Vitest), so the contract and the engine's behaviour are proven on each platform.
 */
export { runStoreConformance } from "./store-conformance.js";
export { runBrokerBehaviour } from "./broker-behaviour.js";
export { ProbedStore, type StoreHarness, type SuiteOptions } from "./harness.js";
export { openFixture, expectCode, readAll, type BrokerFixture } from "./broker-fixture.js";
