// @edgeq/browser/sw-capture: failed API requests of a service worker queued as
// outbox messages (alone, or as a Workbox plugin), for `startRequestReplay`.
export type { CapturedRequest } from "@edgeq/core/replay";
export { type CaptureRequestOptions, captureRequest } from "./sw/capture-request.js";
export {
  createRequestCapture,
  type QueuedRequest,
  type RequestCapture,
  type RequestCaptureOptions,
} from "./sw/request-capture.js";
export {
  type CaptureFailedRequestsOptions,
  captureFailedRequests,
  edgeqBackgroundSync,
  type WorkboxPluginLike,
} from "./sw/sw-capture.js";
