import type { ErrorData, Outcome } from "../shared/outcome.js";
import { type QueueRef, queueObjectName } from "../shared/queue-ref.js";
import { type MemberRpc, memberStub, ORIGIN } from "./members.js";
import type { ReplicationSetting } from "./replication-setting.js";

/** Where each replicated queue's primary was last found, per isolate (keyed by the QUEUE namespace). */
const lastSeen = new WeakMap<object, Map<string, string>>();

/** A member names the primary at most this many times in one call (a promotion under way). */
const MAX_HOPS = 3;

/**
 * Routing to a replicated queue's primary: calls go to the member this
 * isolate last found leading (the origin at first); a member that is not the
 * primary answers `conflict` with `details.primary`, and the call goes there.
 */
export class PrimaryRoute {
  private readonly seen: Map<string, string>;

  constructor(
    private readonly env: Env,
    private readonly ref: QueueRef,
    private readonly setting: ReplicationSetting,
  ) {
    let seen = lastSeen.get(env.QUEUE);
    if (!seen) {
      seen = new Map();
      lastSeen.set(env.QUEUE, seen);
    }
    this.seen = seen;
  }

  /** Runs `rpc` on the primary, following pointers. */
  async call<T>(rpc: (stub: MemberRpc, ref: QueueRef) => Promise<Outcome<T>>): Promise<Outcome<T>> {
    const name = queueObjectName(this.ref);
    let member = this.seen.get(name) ?? ORIGIN;
    for (let hop = 0; ; hop++) {
      const ref = member === ORIGIN ? this.ref : { ...this.ref, member };
      const outcome = await rpc(memberStub(this.env, ref, member, this.setting), ref);
      const next = outcome.ok ? undefined : pointer(outcome.error);
      if (next === undefined || next === member || hop >= MAX_HOPS) return outcome;
      member = next;
      this.seen.set(name, member);
    }
  }
}

/** The member a `conflict` points to, if it points anywhere. */
function pointer(error: ErrorData): string | undefined {
  const primary = error.details?.primary;
  return error.code === "conflict" && typeof primary === "string" && primary !== ""
    ? primary
    : undefined;
}
