/**
 * `@edgeq/core/util`: small helpers edgeq's packages share (base64, own
 * properties of outside-named records, token buckets for rate limits, a
 * class's methods for every verb of a list).
 * @module
 */
export { base64ToBytes, bytesToBase64 } from "./bytes.js";
export { ownValue } from "./own.js";
export { type BucketState, type RateLimit, type TakeResult, takeTokens } from "./token-bucket.js";
export { defineVerbMethods } from "./verb-methods.js";
