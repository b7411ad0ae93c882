// What the global setup hands to the tests (vitest's provide/inject).
declare module "vitest" {
  export interface ProvidedContext {
    /** The broker as the browser sees it: through the fault proxy, cross-origin. */
    brokerUrl: string;
  }
}

export {};
