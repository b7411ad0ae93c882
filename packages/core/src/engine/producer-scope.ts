import { encodeStr } from "../store/keys.js";

/**
 * Whose producer a `producerId` is. At the edge every request has a
 * principal (a JWT's issuer and subject, or a static token's name), and
 * producer windows, transactions and their check-backs belong to (principal,
 * producerId): anyone may pick any producerId, so without the principal one
 * client could send another's seqs first and have the real messages answered
 * `duplicate` and never stored. Callers without a scope (in-process brokers,
 * trusted service bindings) use the producerId alone, as before scopes existed.
 */
export interface ProducerScope {
  /** Opaque and stable; never shown to clients. */
  principal: string;
  /**
   * Also take over windows written without a scope when this principal has
   * none yet (static tokens after an upgrade: before it, every token shared
   * one window per producerId), so old retries still answer `duplicate`.
   */
  inheritsUnscoped?: boolean;
}

/**
 * The key of a producer's window: the producerId alone without a scope (so
 * windows written before scopes keep their key), else the encoded principal,
 * `/`, the producerId. A producerId never holds `/`, and the encoding never
 * emits one, so a scoped id can equal neither an unscoped one nor another
 * principal's.
 */
export function producerWindowId(producerId: string, scope?: ProducerScope): string {
  return scope === undefined ? producerId : `${encodeStr(scope.principal)}/${producerId}`;
}

/** The unscoped window a scope may start from, if it inherits one. */
export function inheritedWindowId(producerId: string, scope?: ProducerScope): string | undefined {
  return scope?.inheritsUnscoped ? producerId : undefined;
}

/**
 * Whether a caller in `scope` may see or decide a transaction that a
 * producer in `owner`'s scope opened: a caller without a scope is trusted
 * with all; an unscoped transaction (from before scopes) is open to the
 * scopes that inherit unscoped windows.
 */
export function scopeOwns(owner: string | undefined, scope?: ProducerScope): boolean {
  if (scope === undefined) return true;
  return owner === undefined ? scope.inheritsUnscoped === true : owner === scope.principal;
}
