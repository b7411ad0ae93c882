import type { TestProject } from "vitest/node";
import { startLocalBroker } from "../../test/setup/local-broker.js";

// The benches talk to the broker directly: no fault proxy in the path, so a
// drain and its plain-fetch baseline pay for the same hops.
export default async function setup(project: TestProject) {
  const broker = await startLocalBroker();
  project.provide("brokerUrl", broker.url);
  return () => broker.stop();
}
