/** The engine's only source of time. Inject one in tests; hosts pass the time they took once per operation. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: for deterministic tests without sleeping. */
export class ManualClock implements Clock {
  constructor(private time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): number {
    this.time += ms;
    return this.time;
  }
  set(time: number): void {
    this.time = time;
  }
}
