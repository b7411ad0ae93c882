import type { QueueRef } from "../shared/queue-ref.js";
import { queueObjectName } from "../shared/queue-ref.js";
import type { ReplicationSetting } from "./replication-setting.js";

/**
 * The members of a replicated queue: `origin`, the queue's own QueueDO (the
 * primary until a promotion), and replicas `r0`… (ReplicaDOs). Any member
 * can be the primary; all others are its replicas.
 */
export const ORIGIN = "origin";

/** QueueDO's RPC surface (ReplicaDO has the same), from the binding's type. */
export type MemberRpc = Env["QUEUE"] extends DurableObjectNamespace<infer Q> ? Q : never;

/** Every member of a queue with `setting`, origin first. */
export function memberNames(setting: ReplicationSetting): string[] {
  return [ORIGIN, ...Array.from({ length: setting.replicas }, (_, i) => replicaName(i))];
}

export function replicaName(index: number): string {
  return `r${index}`;
}

/** The replica index of a member name, or undefined for the origin or a name that is none. */
export function replicaIndex(member: string): number | undefined {
  const m = /^r(\d)$/.exec(member);
  return m ? Number(m[1]) : undefined;
}

/**
 * The stub of `member` of the queue `ref` names. A replica is created where
 * its location hint says, the first time it is reached (hints place only new objects).
 */
export function memberStub(
  env: Env,
  ref: QueueRef,
  member: string,
  setting: ReplicationSetting | undefined,
): MemberRpc {
  const index = replicaIndex(member);
  if (index === undefined || !setting) {
    const ns = env.QUEUE;
    return ns.get(ns.idFromName(queueObjectName(ref))) as unknown as MemberRpc;
  }
  const ns = env.REPLICA;
  const hints = setting.locationHints;
  const hint = hints.length > 0 ? hints[index % hints.length] : undefined;
  const id = ns.idFromName(`${queueObjectName(ref)}/${member}`);
  return (hint
    ? ns.get(id, { locationHint: hint as DurableObjectLocationHint })
    : ns.get(id)) as unknown as MemberRpc;
}
