/** 32-bit FNV-1a over UTF-16 code units: tiny, stable across runtimes, good enough spread for routing. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Which queue of a topic a message goes to. A key always picks the same queue
 * (so one key's messages stay in order); an unkeyed message of a known
 * producer sticks to that producer's queue, so its sequence numbers arrive at
 * one queue in order and dedup holds there. Anonymous messages spread by `fallback`.
 */
export function pickQueue(
  queueCount: number,
  key: string | undefined,
  producerId: string | undefined,
  fallback: () => number,
): number {
  if (queueCount <= 1) return 0;
  if (key !== undefined) return fnv1a(key) % queueCount;
  if (producerId !== undefined) return fnv1a(producerId) % queueCount;
  return fallback() % queueCount;
}
