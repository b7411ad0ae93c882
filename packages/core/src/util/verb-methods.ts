/**
 * Gives a class one prototype method per verb of a list, except the verbs it
 * writes out itself (an own method wins): how a host serves every call of a
 * verb list (QUEUE_VERBS, ROUTER_VERBS, TRANSPORT_VERBS) with no forwarding
 * method per call, so a verb added to the list needs nothing written here.
 * Called from the class's static block, so `method` may reach its private members.
 */
export function defineVerbMethods<This, V extends string>(
  proto: This,
  verbs: readonly V[],
  method: (verb: V) => (this: This, ...args: never[]) => unknown,
): void {
  for (const verb of verbs) {
    if (Object.hasOwn(proto as object, verb)) continue;
    Object.defineProperty(proto, verb, { value: method(verb), writable: true, configurable: true });
  }
}
