import { EdgeqError } from "@edgeq/core";

/** Cloudflare's Durable Object location hints (where a new object is created). */
const LOCATION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"];
const MAX_REPLICAS = 5;

/**
 * A topic's `replication` setting: each queue's Durable Object (the primary)
 * copies every write to `replicas` ReplicaDOs.
 */
export interface ReplicationSetting {
  /** Replica objects per queue, 1…5. */
  replicas: number;
  /**
   * `sync`: a write is answered only after `acks` replicas stored it durably;
   * `async`: after the primary's own write, replicas fed behind it.
   */
  mode: "sync" | "async";
  /** Replicas that must hold a write before a `sync` queue answers. Default 1. */
  acks: number;
  /** Where replica `i` is created: `locationHints[i % length]`. Default: Cloudflare's choice. */
  locationHints: string[];
}

/** Validates a topic's `replication` value (`invalid_request` naming the topic and field). */
export function parseReplication(topic: string, raw: unknown): ReplicationSetting {
  const bad = (why: string): never => {
    throw new EdgeqError("invalid_request", `topic ${topic}: replication ${why}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) bad("must be an object");
  const {
    replicas,
    mode = "sync",
    acks = 1,
    locationHints = [],
    ...rest
  } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) bad(`has unknown field ${unknown[0]}`);
  if (
    !Number.isInteger(replicas) ||
    (replicas as number) < 1 ||
    (replicas as number) > MAX_REPLICAS
  )
    bad(`replicas must be an integer 1…${MAX_REPLICAS}`);
  if (mode !== "sync" && mode !== "async") bad("mode must be sync or async");
  if (!Number.isInteger(acks) || (acks as number) < 1 || (acks as number) > (replicas as number))
    bad(`acks must be an integer 1…${replicas}`);
  if (!Array.isArray(locationHints) || locationHints.some((h) => !LOCATION_HINTS.includes(h)))
    bad(`locationHints must be a list of ${LOCATION_HINTS.join(", ")}`);
  return {
    replicas: replicas as number,
    mode: mode as "sync" | "async",
    acks: acks as number,
    locationHints: locationHints as string[],
  };
}
