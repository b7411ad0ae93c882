import type { ReplicaApplier } from "./replica-applier.js";
import type {
  ApplyRequest,
  ReplicaAnswer,
  ReplicaLink,
  SnapshotPage,
} from "./replication-types.js";

/**
 * A ReplicaLink to an applier in the same process, with the faults a network
 * has: `down` makes every call fail, `hold` keeps calls waiting until
 * `release` (a replica that does not answer in time). For tests, and for
 * hosts that keep a replica next to the primary.
 */
export class LocalReplicaLink implements ReplicaLink {
  /** Calls fail while true. */
  down = false;
  /** How many calls reached the applier. */
  calls = 0;
  /** How many of them were snapshot pages. */
  snapshotPages = 0;
  private held: Array<() => void> | undefined;

  constructor(readonly applier: ReplicaApplier) {}

  /** Calls from now on wait until `release`. */
  hold(): void {
    this.held ??= [];
  }

  /** Lets held calls (and later ones) through. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const go of held) go();
  }

  /** Hands a copy of `request` to the applier (as a wire would), unless down or held. */
  apply(request: ApplyRequest): Promise<ReplicaAnswer> {
    return this.call(() => this.applier.apply(structuredClone(request)));
  }

  /** Hands a copy of `page` to the applier (as a wire would), unless down or held. */
  snapshot(page: SnapshotPage): Promise<ReplicaAnswer> {
    return this.call(() => {
      this.snapshotPages++;
      return this.applier.snapshot(structuredClone(page));
    });
  }

  private async call(fn: () => Promise<ReplicaAnswer>): Promise<ReplicaAnswer> {
    if (this.held) await new Promise<void>((go) => this.held?.push(go));
    if (this.down) throw new Error("replica unreachable");
    this.calls++;
    return fn();
  }
}
