import { inspectOutbox, type Outbox, type OutboxInspector } from "@edgeq/browser";

const inspectors = new WeakMap<Outbox, OutboxInspector>();

/** One inspector per outbox, made on first use (so an app that never inspects does not pay). */
export function inspectorOf(outbox: Outbox): OutboxInspector {
  let inspector = inspectors.get(outbox);
  if (!inspector) {
    inspector = inspectOutbox(outbox);
    inspectors.set(outbox, inspector);
  }
  return inspector;
}
