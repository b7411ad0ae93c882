/**
 * A topic's `replication` setting: each queue's Durable Object (the primary)
 * copies every write to `replicas` ReplicaDOs. Validated with the topic's
 * other settings (`parseTopicSettings` in broker/topic-settings.ts).
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
