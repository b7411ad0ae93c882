// The two host globals the benchmark needs beyond the core's portable ones
// (it runs in Node; the core itself must not see Node's typings).
declare const performance: { now(): number };
declare const process: {
  env: Record<string, string | undefined>;
  memoryUsage(): { heapUsed: number };
  stdout: { write(text: string): void };
  stderr: { write(text: string): void };
};

// Heap figures for the wake benchmark: a full GC before each reading.
declare module "node:v8" {
  export function setFlagsFromString(flags: string): void;
}
declare module "node:vm" {
  export function runInNewContext(code: string): unknown;
}
declare module "node:fs" {
  export function appendFileSync(path: string, data: string): void;
}
