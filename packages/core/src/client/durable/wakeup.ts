/**
 * How the sync loop sleeps: until a timeout, or until something worth
 * checking happens. A plain wake (a new message) ends an idle wait; an urgent
 * one (network back, page visible, `flush()`, a new token) also cuts a backoff
 * short. A wake that comes while nobody waits is kept for the next wait, so
 * no trigger is lost between two checks.
 */
export class Wakeup {
  private waiter: ((urgent: boolean) => void) | undefined;
  private missed: "none" | "plain" | "urgent" = "none";

  wake(urgent = false): void {
    if (this.waiter) this.waiter(urgent);
    else if (urgent || this.missed === "none") this.missed = urgent ? "urgent" : "plain";
  }

  /** Forgets earlier wakes: the check about to run covers whatever they announced. */
  clear(): void {
    this.missed = "none";
  }

  /** Resolves after `ms`, on a wake (only an urgent one when `urgentOnly`), or when `signal` aborts. */
  wait(ms: number, signal: AbortSignal, urgentOnly = false): Promise<void> {
    if (this.missed === "urgent" || (this.missed === "plain" && !urgentOnly)) {
      this.missed = "none";
      return Promise.resolve();
    }
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener("abort", finish);
        this.waiter = undefined;
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(finish, Math.max(0, ms)) : undefined;
      signal.addEventListener("abort", finish, { once: true });
      this.waiter = (urgent) => {
        if (urgent || !urgentOnly) finish();
        // A plain wake during a backoff is remembered for the idle wait after it.
        else this.missed = "plain";
      };
    });
  }
}
