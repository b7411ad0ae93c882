// The parts of the HTTP API's answers (docs/protocol.md) the console reads.

export type Right = "produce" | "consume" | "admin";

export interface TopicInfo {
  name: string;
  queueCount: number;
  rights: Right[];
}

export interface QueueStats {
  queueId: number;
  minOffset: number;
  headOffset: number;
  scheduled: number;
  bytes: number;
  pendingTransactions: number;
}

export interface GroupQueueStats {
  queueId: number;
  committedOffset: number;
  lag: number;
  inFlight: number;
  retrying: number;
  deadLetters: number;
}

export interface GroupStats {
  lag: number;
  inFlight: number;
  retrying: number;
  deadLetters: number;
  queues: GroupQueueStats[];
}

export interface TopicStats {
  topic: string;
  queues: QueueStats[];
  groups: Record<string, GroupStats>;
}

export interface WireMessage {
  msgId: string;
  queueId: number;
  offset: number;
  body: unknown;
  encoding?: "json" | "base64";
  key?: string;
  tags?: string[];
  headers?: Record<string, string>;
  producedAt: number;
  producerId?: string;
  seq?: number;
  reconsumeTimes: number;
}

export interface ReadResult {
  messages: WireMessage[];
  nextOffset: number;
  headOffset: number;
  minOffset: number;
}

export interface DeadLetter {
  message: WireMessage;
  deadAt: number;
  reason: string;
}

export interface Transaction {
  txId: string;
  producerId: string;
  state: string;
  createdAt: number;
  checks: number;
  messages: unknown[];
}
