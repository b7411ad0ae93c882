/** Shared by the browser tests and the Node-side fault proxy: plain types, no Node imports. */

/** What the proxy does to the next matching requests (preflights always pass). */
export type Fault =
  /** Closes the connection before the broker sees anything: the network failed. */
  | { kind: "refuse"; count: number }
  /** The broker handles the request (and commits), then the answer is lost on the way back. */
  | { kind: "drop-response"; count: number }
  /** Answers for the broker with this status, as an overloaded or rejecting edge would. */
  | { kind: "status"; count: number; status: number; code: string; retryAfter?: string };

export interface ProducedBatch {
  producerId: string | undefined;
  seqs: number[];
  outcome: "forwarded" | "refused" | "dropped" | "status";
}
