import { EdgeqError } from "@edgeq/core";
import { type Access, type Grant, grantsAllow } from "./grants.js";

/**
 * Who a request comes from. `id` keys the producer windows (two principals
 * with one producerId never share seqs) and rate limits; it is opaque, short
 * and never shown to other clients.
 */
export interface Principal {
  /** `t:<name>` for a static token, `j:<digest of iss and sub>` for a JWT. */
  id: string;
  /** The JWT's `sub`, for `{sub}` in group patterns. */
  subject?: string;
  grants: readonly Grant[];
  /**
   * Static tokens only: producer windows written before principals existed
   * (one shared, unprefixed window per producerId) still count as this
   * principal's, so an upgrade answers old retries `duplicate` as before.
   */
  inheritsUnscoped: boolean;
}

/** Whether the principal's grants cover `access`. */
export function allows(principal: Principal, access: Access): boolean {
  return grantsAllow(principal.grants, access, principal.subject);
}

/** Throws `forbidden` unless the principal's grants cover `access`. */
export function authorize(principal: Principal, access: Access): void {
  if (allows(principal, access)) return;
  const via = access.group === undefined ? "" : ` through group ${access.group}`;
  throw new EdgeqError("forbidden", `token may not ${access.right} on topic ${access.topic}${via}`);
}

/** SHA-256 of `text`. */
export function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Hex SHA-256 of `text`. */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await sha256(text));
}
