/**
 * The web-standard globals that browsers, workerd and Node all provide, and
 * the only ones @edgeq/core may use. The package compiles without DOM or Node
 * typings on purpose: reaching for anything else (indexedDB, fetch, process,
 * Buffer) is a compile error here.
 */
declare global {
  interface AbortSignal {
    readonly aborted: boolean;
    readonly reason: unknown;
    throwIfAborted(): void;
    addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
    removeEventListener(type: "abort", listener: () => void): void;
  }
  var AbortSignal: {
    prototype: AbortSignal;
    abort(reason?: unknown): AbortSignal;
    timeout(ms: number): AbortSignal;
    any(signals: AbortSignal[]): AbortSignal;
  };
  interface AbortController {
    readonly signal: AbortSignal;
    abort(reason?: unknown): void;
  }
  var AbortController: { prototype: AbortController; new (): AbortController };
  function setTimeout(handler: () => void, ms?: number): unknown;
  function clearTimeout(id: unknown): void;
  function queueMicrotask(callback: () => void): void;
  function structuredClone<T>(value: T): T;
  function atob(data: string): string;
  function btoa(data: string): string;
  var crypto: {
    randomUUID(): string;
    getRandomValues<T extends ArrayBufferView | null>(array: T): T;
  };
  var console: { error(...data: unknown[]): void; warn(...data: unknown[]): void };
  interface DOMException extends Error {
    readonly code: number;
  }
  var DOMException: {
    prototype: DOMException;
    new (message?: string, name?: string): DOMException;
  };
}

export {};
