/**
 * Order-preserving key encoding. Every key the engine writes is printable
 * ASCII so that all stores order it alike:
 * - numbers become fixed-width base-36 (13 digits hold 2^53), so string order is numeric order;
 * - free-form strings (message keys, producer ids) are percent-encoded, which
 *   never emits the `|` separator, so a prefix scan cannot run into a neighbour.
 */
const NUM_WIDTH = 11;
// 36^11 > 2^53: every safe integer fits.
export function encodeNum(n: number): string {
  return n.toString(36).padStart(NUM_WIDTH, "0");
}

export function decodeNum(s: string): number {
  return Number.parseInt(s, 36);
}

export function encodeStr(s: string): string {
  return encodeURIComponent(s);
}

export function decodeStr(s: string): string {
  return decodeURIComponent(s);
}

export const SEP = "|";

export function joinKey(...parts: string[]): string {
  return parts.join(SEP);
}
