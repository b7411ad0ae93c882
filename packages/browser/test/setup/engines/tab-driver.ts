/**
 * What the multi-tab commands (../commands.ts) need from an engine's driver:
 * open another page of the test's origin, run an expression in it, close it.
 * Each engine's provider implements it over its own protocol.
 */
export interface TabDriver {
  /** Opens `url`; `newBrowser`: in a context that shares no storage with the test's page. */
  open(url: string, options: { newBrowser: boolean; label: string }): Promise<string>;
  /** Evaluates a JavaScript expression in that page, awaiting a Promise it returns. */
  evaluate(id: string, expression: string): Promise<unknown>;
  close(id: string): Promise<void>;
  /** The URL of the test's own page (the origin new pages open on). */
  currentUrl(): Promise<string>;
}

/** Serialises work that must not interleave (a WebDriver session has one current window). */
export function createMutex() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}
