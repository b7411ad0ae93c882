// The API's answers (docs/protocol.md) as the console reads them: the core's
// model types, with message bodies as JSON carries them (WireMessage).
import type {
  DeadLetter as CoreDeadLetter,
  ReadResult as CoreReadResult,
  Message,
  TransactionInfo,
  WireMessage as Wire,
} from "@edgeq/core";

export type { GroupStats, QueueStats, TopicStats } from "@edgeq/core";
export type { BlockedKey, GroupSettings } from "@edgeq/core/engine";

export type Right = "produce" | "consume" | "admin";

/** One entry of `GET /v1/topics`. */
export interface TopicInfo {
  topic: string;
  queueCount: number;
  rights: Right[];
  /** Every setting, resolved; only for a token with `admin` on the topic. */
  settings?: Record<string, unknown>;
}

/** A page of `GET /v1/topics`; `nextCursor` when more follow. */
export interface TopicPage {
  topics: TopicInfo[];
  nextCursor?: string;
}

export type WireMessage = Wire<Message>;
export type ReadResult = Omit<CoreReadResult, "messages"> & { messages: WireMessage[] };
export type DeadLetter = Omit<CoreDeadLetter, "message"> & { message: WireMessage };
export type Transaction = Omit<TransactionInfo, "messages"> & { messages: unknown[] };
