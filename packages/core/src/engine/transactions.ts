import { EdgeqError } from "../errors.js";
import type { HalfMessage, SendResult, TransactionAction, TransactionInfo } from "../model.js";
import type { StoreOp } from "../store/store.js";
import { formatMsgId } from "./ids.js";
import { bodyOf } from "./message-view.js";
import { placeMessages, toStored } from "./placement.js";
import {
  inheritedWindowId,
  type ProducerScope,
  producerWindowId,
  scopeOwns,
} from "./producer-scope.js";
import type { QueueState } from "./queue-state.js";
import {
  fromJson,
  type HalfRecord,
  type PositionKind,
  type StoredMessage,
  toJson,
} from "./records.js";
import type { NormalizedAppend } from "./validate.js";

/** Which undecided transactions a listing shows. */
export interface TransactionFilter {
  producerId?: string;
  /** Only those the broker is checking back. */
  checkedOnly?: boolean;
  /** Only those of producers in this scope (see `ProducerScope`); without one, all. */
  scope?: ProducerScope;
}

/** How long a decided transaction is remembered, so late repeats of its decision answer the same. */
const DECIDED_KEPT_MS = 24 * 60 * 60 * 1000;

/**
 * Broker-side transactions, as RocketMQ's half messages: a transactional send
 * stores its messages here, out of the log, so no consumer sees them and no
 * consumer waits at their position. A commit appends them to the log at that
 * moment (RocketMQ re-puts them into the real topic the same way), so offsets
 * stay dense and in commit order; a rollback drops them. A transaction nobody
 * decides is checked back every `transactionCheckIntervalMs`, and rolled back
 * after `transactionMaxChecks` checks without an answer.
 */
export class Transactions {
  /** Check-backs due since the host last asked (see `takeDueChecks`). */
  private dueChecks: number[] = [];
  /** Transactions by number: pending ones with their half messages, decided ones as tombstones. */
  #halves = new Map<number, HalfRecord>();

  /** Call before the state's first `load`: the half messages are read with the rest of the queue. */
  constructor(private readonly s: QueueState) {
    s.onLoad(() => this.load());
  }

  private async load(): Promise<void> {
    this.#halves = new Map();
    for (const [, value] of await this.s.store.scan({ prefix: this.s.keys.halfPrefix() })) {
      const rec = fromJson<HalfRecord>(value);
      this.#halves.set(rec.num, rec);
    }
  }

  pendingCount(): number {
    let n = 0;
    for (const rec of this.#halves.values()) if (rec.state === "pending") n++;
    return n;
  }

  async appendHalf(txId: string, request: NormalizedAppend): Promise<SendResult[]> {
    const { producerId, scope } = request;
    if (producerId === undefined)
      throw new EdgeqError("invalid_request", "a transactional send needs a producerId");
    await this.s.ready();
    const generation = this.s.generation;
    const windowId = producerWindowId(producerId, scope);
    const window = await this.s.producers.acquire(windowId, inheritedWindowId(producerId, scope));
    try {
      return await this.s.mutate((ops, now) => {
        const results: SendResult[] = [];
        const fresh: StoredMessage[] = [];
        const num = this.s.meta.nextTxNum ?? 1;
        for (const m of request.messages) {
          const seen = m.seq === undefined ? undefined : window.lookup(m.seq);
          if (seen?.found) {
            results.push(this.duplicateResult(m.seq!, seen.kind, seen.n));
            this.s.countDuplicates(1);
            continue;
          }
          fresh.push(toStored(m, producerId, now));
          if (m.seq !== undefined) window.record(m.seq, 2, num, this.s.config.producerWindow);
          results.push({
            status: "stored",
            ...(m.seq === undefined ? {} : { seq: m.seq }),
            queueId: this.s.queueId,
            txId,
          });
        }
        if (fresh.length > 0) {
          this.s.txNumTaken(num);
          const rec: HalfRecord = {
            num,
            txId,
            producerId,
            ...(scope === undefined ? {} : { principal: scope.principal }),
            createdAt: now,
            state: "pending",
            checks: 0,
            nextCheckAt: now + this.s.config.transactionCheckIntervalMs,
            msgs: fresh,
          };
          this.#halves.set(num, rec);
          ops.push(this.halfOp(rec));
        }
        this.s.producerOps(ops, windowId, window, now);
        ops.push(this.s.metaOp());
        return results;
      }, generation);
    } finally {
      this.s.producers.release(windowId);
    }
  }

  async decide(
    txId: string,
    action: TransactionAction,
    by: NonNullable<HalfRecord["decidedBy"]>,
    scope?: ProducerScope,
  ): Promise<{ info: TransactionInfo; head: number }> {
    return this.s.mutate((ops, now) => {
      const rec = this.find(txId);
      // Another principal's transaction is not there as far as this caller can tell.
      if (!rec || !scopeOwns(rec.principal, scope))
        throw new EdgeqError("not_found", `no transaction ${txId} on this queue`);
      const target = action === "commit" ? "committed" : "rolled_back";
      if (rec.state === target) return { info: this.info(rec), head: this.s.meta.head };
      if (rec.state !== "pending")
        throw new EdgeqError(
          "conflict",
          `transaction ${txId} was already ${rec.state.replace("_", " ")}`,
          {
            details: { state: rec.state },
          },
        );
      this.applyDecision(ops, rec, target, by, now);
      ops.push(this.s.metaOp());
      return { info: this.info(rec), head: this.s.meta.head };
    });
  }

  list(filter: TransactionFilter): TransactionInfo[] {
    const out: TransactionInfo[] = [];
    for (const rec of this.#halves.values()) {
      if (rec.state !== "pending") continue;
      if (!scopeOwns(rec.principal, filter.scope)) continue;
      if (filter.producerId !== undefined && rec.producerId !== filter.producerId) continue;
      if (filter.checkedOnly && rec.checks === 0) continue;
      out.push(this.info(rec));
    }
    return out;
  }

  takeDueChecks(): TransactionInfo[] {
    const due = this.dueChecks;
    this.dueChecks = [];
    const out: TransactionInfo[] = [];
    for (const num of due) {
      const rec = this.#halves.get(num);
      if (rec?.state === "pending") out.push(this.info(rec));
    }
    return out;
  }

  /** Earliest time a check-back or a forgetting of a decided transaction is due. */
  nextWakeUp(): number | undefined {
    let next: number | undefined;
    for (const rec of this.#halves.values()) {
      const t = rec.state === "pending" ? rec.nextCheckAt : (rec.decidedAt ?? 0) + DECIDED_KEPT_MS;
      if (next === undefined || t < next) next = t;
    }
    return next;
  }

  /** Asks about transactions whose check is due, rolls back those out of checks, forgets old decisions. */
  async tick(): Promise<void> {
    const now = this.s.clock.now();
    const due = [...this.#halves.values()].filter((rec) =>
      rec.state === "pending"
        ? rec.nextCheckAt <= now
        : (rec.decidedAt ?? 0) + DECIDED_KEPT_MS <= now,
    );
    if (due.length === 0) return;
    const asked = await this.s.mutate((ops, at) => {
      const asked: number[] = [];
      for (const rec of due) {
        if (rec.state !== "pending") {
          this.#halves.delete(rec.num);
          ops.push({ type: "delete", key: this.s.keys.half(rec.num) });
        } else if (rec.checks >= this.s.config.transactionMaxChecks) {
          this.applyDecision(ops, rec, "rolled_back", "max_checks", at);
        } else {
          rec.checks++;
          rec.nextCheckAt = at + this.s.config.transactionCheckIntervalMs;
          ops.push(this.halfOp(rec));
          asked.push(rec.num);
        }
      }
      ops.push(this.s.metaOp());
      return asked;
    });
    this.dueChecks.push(...asked);
  }

  /** The answer for a seq seen before: where it went, or the transaction holding it. */
  duplicateResult(seq: number, kind: PositionKind | undefined, n: number | undefined): SendResult {
    const result: SendResult = { status: "duplicate", seq, queueId: this.s.queueId };
    if (kind === 2) {
      const rec = n === undefined ? undefined : this.#halves.get(n);
      if (rec) {
        result.txId = rec.txId;
        // Committed since: say where the message went.
        const placed = rec.results?.find((r) => r.seq === seq);
        if (placed?.msgId !== undefined) result.msgId = placed.msgId;
        if (placed?.offset !== undefined) result.offset = placed.offset;
      }
    } else if (kind !== undefined && n !== undefined) {
      result.msgId = formatMsgId(this.s.meta.epoch, this.s.queueId, kind, n);
      if (kind === 0) result.offset = n;
    }
    return result;
  }

  private applyDecision(
    ops: StoreOp[],
    rec: HalfRecord,
    state: "committed" | "rolled_back",
    by: NonNullable<HalfRecord["decidedBy"]>,
    now: number,
  ): void {
    if (state === "committed") {
      // Stamped with the commit time: that is when the messages enter the log.
      const msgs = rec.msgs.map((m) => ({ ...m, producedAt: now }));
      rec.results = placeMessages(this.s, ops, now, msgs, undefined);
    }
    rec.state = state;
    rec.decidedAt = now;
    rec.decidedBy = by;
    rec.msgs = [];
    ops.push(this.halfOp(rec));
  }

  private find(txId: string): HalfRecord | undefined {
    for (const rec of this.#halves.values()) if (rec.txId === txId) return rec;
    return undefined;
  }

  private halfOp(rec: HalfRecord): StoreOp {
    return { type: "put", key: this.s.keys.half(rec.num), value: toJson(rec) };
  }

  private info(rec: HalfRecord): TransactionInfo {
    const messages: HalfMessage[] = rec.msgs.map((m) => ({
      body: bodyOf(m),
      tags: m.tags ?? [],
      headers: m.headers ?? {},
      queueId: this.s.queueId,
      ...(m.key === undefined ? {} : { key: m.key }),
      ...(m.seq === undefined ? {} : { seq: m.seq }),
    }));
    return {
      txId: rec.txId,
      producerId: rec.producerId,
      state: rec.state,
      createdAt: rec.createdAt,
      checks: rec.checks,
      messages,
      ...(rec.decidedBy ? { decidedBy: rec.decidedBy } : {}),
      ...(rec.results ? { results: rec.results } : {}),
    };
  }
}
