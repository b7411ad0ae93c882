import type {
  ApplyRequest,
  ReplicaAnswer,
  ReplicaLink,
  SnapshotPage,
} from "@edgeq/core/replication";
import { type Outcome, unwrap } from "../shared/outcome.js";
import type { QueueRef } from "../shared/queue-ref.js";
import type { MemberRpc } from "./members.js";

/** How long one call to a replica may take before it counts as failed. */
const CALL_DEADLINE_MS = 10_000;

/**
 * The core's ReplicaLink over Durable Object RPC: the primary's calls to one
 * member (`replicaApply`, `replicaSnapshot`), each bounded by a deadline so a
 * replica that never answers is counted out rather than waited on forever.
 */
export class MemberLink implements ReplicaLink {
  constructor(
    private readonly stub: MemberRpc,
    private readonly ref: QueueRef,
  ) {}

  apply(request: ApplyRequest): Promise<ReplicaAnswer> {
    return this.call(() => this.stub.replicaApply(this.ref, request));
  }

  snapshot(page: SnapshotPage): Promise<ReplicaAnswer> {
    return this.call(() => this.stub.replicaSnapshot(this.ref, page));
  }

  private async call(rpc: () => Promise<Outcome<ReplicaAnswer>>): Promise<ReplicaAnswer> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${CALL_DEADLINE_MS} ms`)),
        CALL_DEADLINE_MS,
      );
    });
    try {
      return unwrap(await Promise.race([rpc(), deadline]));
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}
