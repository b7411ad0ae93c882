import { EdgeqError } from "@edgeq/core";

/**
 * StreamDO's RPC methods, typed plainly: the stub's generated RPC types of
 * these results are too deep for TypeScript to instantiate (as durableQueue's).
 */
export type StreamRpc =
  NonNullable<Env["STREAMS"]> extends DurableObjectNamespace<infer S> ? S : never;

/** The object of the stream at `path` (one per path, found by name). */
export function streamObject(env: Env, path: string): StreamRpc {
  const ns = env.STREAMS;
  if (!ns) throw new EdgeqError("not_found", "this broker serves no streams (no STREAMS binding)");
  return ns.get(ns.idFromName(path)) as unknown as StreamRpc;
}
