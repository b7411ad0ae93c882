/**
 * The engine's only source of time: the engine, its TopicRouter and its
 * Broker never read a platform clock. Inject a `ManualClock` in tests; a host
 * whose clock must not move within an operation (a Durable Object) takes the
 * time once per operation and sets it on a `ManualClock`.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The platform's wall clock (`Date.now`): for hosts where reading it anywhere is fine (Node, browsers). */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that moves only when told to: tests advance it for deterministic
 * timing without sleeping; hosts set it to the time they took for an operation.
 */
export class ManualClock implements Clock {
  /** Starts at `time` (default: a fixed moment in November 2023). */
  constructor(private time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
  /** Moves the clock forward by `ms`; answers the new time. */
  advance(ms: number): number {
    this.time += ms;
    return this.time;
  }
  /** Sets the clock to `time`. */
  set(time: number): void {
    this.time = time;
  }
}
