import { EdgeqError, type QueueReplicationStats, type ReadResult } from "@edgeq/core";
import type { Clock } from "@edgeq/core/engine";
import {
  type ApplyRequest,
  openReplicatedStore,
  type ReplicaAnswer,
  ReplicaApplier,
  type ReplicatedStore,
  readReplica,
  type SnapshotPage,
} from "@edgeq/core/replication";
import type { Store } from "@edgeq/core/store";
import type { QueueRef } from "../shared/queue-ref.js";
import { MemberLink } from "./member-link.js";
import { memberNames, memberStub, ORIGIN } from "./members.js";
import type { ReplicationSetting } from "./replication-setting.js";

/** The object's own records (identity, pointers): never replicated, never cleared by a snapshot. */
const LOCAL_PREFIXES = ["do|"];
/** Set on a member that is no longer primary: where the primary is now. */
const POINTER_KEY = "do|primary";
/** Set on a promoted member: when it took over. */
const PROMOTION_KEY = "do|promotion";
/** How soon an alarm retries feeding replicas that are behind. */
const PUMP_RETRY_MS = 1_000;

interface Pointer {
  member: string;
  term: number;
}
interface Promotion {
  replica: string;
  term: number;
  at: number;
}

/** What `promote` answers. */
export interface PromoteResult {
  primary: string;
  term: number;
  /** The last batch the promoted replica held: everything up to it survived. */
  seq: number;
}

/** A read answered by a replica: which one, and the last batch it holds (its staleness). */
export interface ReplicaRead extends ReadResult {
  replica: {
    name: string;
    /** The last batch of the primary this replica applied. */
    batch: number;
    /** The primary's clock when it wrote that batch (null before the first one). */
    batchAt: number | null;
  };
}

/**
 * One member's part in its queue's replication, inside a QueueDO or ReplicaDO:
 * as primary, the ReplicatedStore its engine writes through (links to every
 * other member); as replica, the ReplicaApplier that applies the primary's
 * batches; and the promotion and pointer records that decide which it is.
 */
export class QueueReplication {
  #primary: ReplicatedStore | undefined;
  #opening: Promise<ReplicatedStore> | undefined;
  #applier: ReplicaApplier | undefined;
  #member: string | undefined;

  constructor(
    private readonly env: Env,
    private readonly store: Store,
    private readonly clock: Clock,
    /** Drops the engine: this member stopped being the primary. */
    private readonly onDemote: () => void,
  ) {}

  /**
   * Opens this member as the primary: throws `conflict` with a pointer to the
   * primary unless it is, and the fenced store's error when it was replaced
   * or lost its storage. The host calls it before it opens the engine,
   * outside `blockConcurrencyWhile` (an error thrown there resets the object).
   */
  async prepare(ref: QueueRef, setting: ReplicationSetting): Promise<void> {
    await this.assertPrimary(ref);
    const member = this.memberOf(ref);
    this.#opening ??= openReplicatedStore(this.store, {
      name: member,
      mode: setting.mode,
      acks: setting.acks,
      clock: this.clock,
      localPrefixes: LOCAL_PREFIXES,
      links: memberNames(setting)
        .filter((m) => m !== member)
        .map(
          (m) =>
            new MemberLink(memberStub(this.env, { ...ref, member: m }, m, setting), {
              ...ref,
              member: m,
            }),
        ),
    });
    const opened = await this.#opening.catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    this.#primary = opened;
    opened.assertWritable();
  }

  /** The store this member's engine writes through as primary (after `prepare`). */
  engineStore(): Store {
    if (!this.#primary) throw new EdgeqError("internal", "replication was not prepared");
    return this.#primary;
  }

  private async assertPrimary(ref: QueueRef): Promise<void> {
    const member = this.memberOf(ref);
    const pointer = (await this.store.get(POINTER_KEY)) as Pointer | undefined;
    if (pointer && pointer.member !== member) throw moved(pointer.member, pointer.term);
    const applier = this.applierOf(ref);
    applier.reload();
    const position = await applier.position();
    const neverPrimary = position.primary === "" && member !== ORIGIN;
    if (position.role === "replica" && (neverPrimary || position.primary !== ""))
      throw moved(position.primary || ORIGIN, position.term);
  }

  /** Applies a primary's batches (a primary of a newer term first demotes this one). */
  apply(ref: QueueRef, request: ApplyRequest): Promise<ReplicaAnswer> {
    this.yieldTo(request.term);
    return this.applierOf(ref).apply(request);
  }

  /** Applies a snapshot page (see `apply`). */
  snapshot(ref: QueueRef, page: SnapshotPage): Promise<ReplicaAnswer> {
    this.yieldTo(page.term);
    return this.applierOf(ref).snapshot(page);
  }

  /** Makes this replica the primary of a new term; the host opens its engine next. */
  async promote(ref: QueueRef): Promise<PromoteResult> {
    const member = this.memberOf(ref);
    const applier = this.applierOf(ref);
    applier.reload();
    const record = await applier.promote();
    const promotion: Promotion = { replica: member, term: record.term, at: this.clock.now() };
    await this.store.write([
      { type: "put", key: PROMOTION_KEY, value: { ...promotion } },
      { type: "delete", key: POINTER_KEY },
    ]);
    return { primary: member, term: record.term, seq: record.seq };
  }

  /** Records where the primary went, so calls here are pointed there; drops the engine. */
  async pointTo(member: string, term: number): Promise<void> {
    await this.store.write([{ type: "put", key: POINTER_KEY, value: { member, term } }]);
    this.demote();
  }

  /** Replication figures for stats: this member's view as primary. */
  async stats(setting: ReplicationSetting | undefined): Promise<QueueReplicationStats | undefined> {
    if (!setting || !this.#primary || !this.#member) return undefined;
    const status = this.#primary.status();
    const others = memberNames(setting).filter((m) => m !== this.#member);
    const promotion = (await this.store.get(PROMOTION_KEY)) as Promotion | undefined;
    return {
      primary: this.#member,
      term: status.term,
      seq: status.seq,
      replicas: status.replicas.map((r) => ({
        ...r,
        replica: others[r.replica] ?? String(r.replica),
      })),
      ...(promotion ? { lastPromotion: promotion } : {}),
    };
  }

  /** Reads by offset from what this member holds, engine or not (`?replica=`). */
  async read(ref: QueueRef, from: number, limit: number, tags?: string[]): Promise<ReplicaRead> {
    const name = this.memberOf(ref);
    const position = await this.applierOf(ref).position();
    const result = await readReplica(this.store, ref.topic, ref.queueId, from, limit, tags);
    return { ...result, replica: { name, batch: position.seq, batchAt: position.lastAt ?? null } };
  }

  /** When an alarm should feed replicas that are behind (async mode, or a lagging one). */
  nextWakeUp(): number | undefined {
    return this.#primary?.behind() ? this.clock.now() + PUMP_RETRY_MS : undefined;
  }

  /** Feeds every replica as far as it goes. */
  async pump(): Promise<void> {
    await this.#primary?.pump();
  }

  private yieldTo(term: number): void {
    if (this.#primary && term > this.#primary.status().term) this.demote();
  }

  private demote(): void {
    this.#primary = undefined;
    this.#opening = undefined;
    this.#applier?.reload();
    this.onDemote();
  }

  private memberOf(ref: QueueRef): string {
    const member = ref.member ?? ORIGIN;
    if (this.#member !== undefined && this.#member !== member)
      throw new EdgeqError("internal", `object is member ${this.#member}, not ${member}`);
    this.#member = member;
    return member;
  }

  private applierOf(ref: QueueRef): ReplicaApplier {
    const name = this.memberOf(ref);
    this.#applier ??= new ReplicaApplier(this.store, { name, localPrefixes: LOCAL_PREFIXES });
    // A primary's writes move the record under the applier: read it afresh.
    if (this.#primary) this.#applier.reload();
    return this.#applier;
  }
}

/** The error that sends a caller to the primary (durableQueue follows it). */
export function moved(primary: string, term: number): EdgeqError {
  return new EdgeqError("conflict", `this queue's primary is ${primary}`, {
    details: { primary, term },
  });
}
