/**
 * Runs `lead` in one tab at a time: the holder of the Web Lock `name` runs it
 * until `signal` aborts (then releases the lock); every other tab queues for
 * the lock and takes over when the holder closes, crashes or steps down.
 * Without Web Locks (an old engine), each tab leads on its own: still safe,
 * since the broker's (producerId, seq) dedup absorbs double sends.
 */
export async function runAsLeader(
  name: string,
  signal: AbortSignal,
  lead: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return lead(signal);
  try {
    await locks.request(name, { mode: "exclusive", signal }, () => lead(signal));
  } catch (error) {
    // Aborting while still queued rejects the request: that is a normal close.
    if (!signal.aborted) throw error;
  }
}
