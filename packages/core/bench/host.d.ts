// The two host globals the benchmark needs beyond the core's portable ones
// (it runs in Node; the core itself must not see Node's typings).
declare const performance: { now(): number };
declare const process: {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): void };
  stderr: { write(text: string): void };
};
