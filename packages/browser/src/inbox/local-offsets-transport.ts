import type { CallOptions, Store, Transport } from "@edgeq/core";

/**
 * A Transport that reads from the broker but keeps the group's offsets in a
 * local store: the browser is the only member of its group, and its progress
 * must survive being offline, reloads and the broker never hearing from it
 * again. Everything else goes to the broker unchanged.
 */
export function withLocalOffsets(remote: Transport, store: Store): Transport {
  const keyOf = (topic: string, group: string) =>
    `inbox|${encodeURIComponent(topic)}|${encodeURIComponent(group)}`;
  const load = async (topic: string, group: string) =>
    ((await store.get(keyOf(topic, group))) ?? {}) as Record<string, number>;

  return new Proxy(remote, {
    get(target, property, receiver) {
      if (property === "getOffsets")
        return (topic: string, group: string, _options?: CallOptions) => load(topic, group);
      if (property === "commitOffsets")
        return async (
          topic: string,
          group: string,
          offsets: Record<string, number>,
          options?: CallOptions & { reset?: boolean },
        ) => {
          const current = await load(topic, group);
          const next = { ...current };
          // Never backwards unless asked, as the broker's own commit.
          for (const [queue, offset] of Object.entries(offsets))
            next[queue] = options?.reset ? offset : Math.max(offset, current[queue] ?? 0);
          await store.write([{ type: "put", key: keyOf(topic, group), value: next }]);
        };
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
