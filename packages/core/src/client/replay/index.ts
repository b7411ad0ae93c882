/**
 * `@edgeq/core/replay`: requests captured while offline (by a service
 * worker, say) replayed in order once the network is back.
 * @module
 */

export type { Sleep } from "../retry.js";
export { asCapturedRequest, type CapturedRequest, capturedBody } from "./captured-request.js";
export {
  createReplayHandler,
  type ReplayFetch,
  type ReplayOptions,
  type RequestReplayOptions,
  replayRequest,
  startRequestReplay,
} from "./replay-requests.js";
