import { exports } from "cloudflare:workers";
import type { EdgeqRpcBinding } from "../src/rpc/rpc-transport.js";

/** The Worker's own EdgeqRpc entrypoint, as a service binding to it answers. */
export const rpcBinding = (exports as unknown as { EdgeqRpc: EdgeqRpcBinding }).EdgeqRpc;

/** An ExecutionContext for calling a handler directly: `waitUntil` and the rest do nothing. */
export const executionContext = {
  waitUntil: () => {},
  passThroughOnException: () => {},
  props: {},
} as unknown as ExecutionContext;
