import { EdgeqError } from "../errors.js";
import { assertIntInRange, isPlainObject, NAME_PATTERN } from "./validate.js";

/**
 * How one consumer group is served in lease mode (docs/protocol.md, "Group
 * settings"). Stored in the group's record on every queue of the topic.
 */
export interface GroupSettings {
  /**
   * Per-key order (message groups, as SQS FIFO): a flow key's next message is
   * not leased while an earlier one of that key is leased, waiting for a
   * retry or being redelivered. A dead letter releases its key. Keys run in parallel.
   */
  ordered?: boolean;
  /** Flow control per flow key: excess waits in the queue; nothing is refused or lost. */
  flow?: FlowSetting;
  /** Receives answer empty and no lease of the group expires, until resumed. */
  paused?: boolean;
  /** Failures before the dead-letter queue, for this group (default: the topic's `maxReconsumeTimes`). */
  maxRetries?: number;
  /** A failure's retry delay for this group, instead of the topic's `retrySchedule`. */
  retryDelayMs?: number;
  /**
   * A topic that takes this group's dead letters (Cloudflare's
   * `dead_letter_queue`). The engine keeps dead letters in the group's own
   * queue; a host that has other topics forwards them (the edge broker does,
   * at the group's next pull or ack of its Cloudflare pull API).
   */
  deadLetterTopic?: string;
}

/** A group's flow control per flow key: how many in flight at once, how many deliveries a second. */
export interface FlowSetting {
  /** Which header holds the flow key; absent: the message `key`. */
  header?: string;
  /** At most this many messages of one flow key in flight at once. */
  parallelism?: number;
  /** At most this many deliveries of one flow key per second… */
  ratePerSecond?: number;
  /** …with up to this many at once (default: one second's worth, at least 1). */
  burst?: number;
}

const MAX_RETRIES = 10_000;
const HEADER = /^[A-Za-z0-9._-]{1,128}$/;

function refuse(field: string, message: string): never {
  throw new EdgeqError("invalid_request", message, { details: { field } });
}

/** Validates group settings from any surface; a bad field is `invalid_request` naming it. */
export function parseGroupSettings(raw: unknown, maxDelayMs: number): GroupSettings {
  if (!isPlainObject(raw)) refuse("settings", "group settings must be an object");
  const out: GroupSettings = {};
  for (const [field, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    switch (field) {
      case "ordered":
      case "paused":
        if (typeof value !== "boolean") refuse(field, `${field} must be a boolean`);
        if (value) out[field] = true;
        break;
      case "maxRetries":
        out.maxRetries = intField(field, value, 0, MAX_RETRIES);
        break;
      case "retryDelayMs":
        out.retryDelayMs = intField(field, value, 0, maxDelayMs);
        break;
      case "flow":
        out.flow = parseFlow(value);
        break;
      case "deadLetterTopic":
        if (
          typeof value !== "string" ||
          !NAME_PATTERN.test(value) ||
          value === "." ||
          value === ".."
        )
          refuse(field, "deadLetterTopic must be a topic name");
        out.deadLetterTopic = value;
        break;
      default:
        refuse(field, `unknown group setting ${field}`);
    }
  }
  return out;
}

function parseFlow(raw: unknown): FlowSetting {
  if (!isPlainObject(raw)) refuse("flow", "flow must be an object");
  const out: FlowSetting = {};
  for (const [field, value] of Object.entries(raw)) {
    const at = `flow.${field}`;
    switch (field) {
      case "header":
        if (typeof value !== "string" || !HEADER.test(value))
          refuse(at, "flow.header must be a header name ([A-Za-z0-9._-]{1,128})");
        out.header = value;
        break;
      case "parallelism":
        out.parallelism = intField(at, value, 1, 1000);
        break;
      case "ratePerSecond":
        if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 10_000)
          refuse(at, "flow.ratePerSecond must be a number above 0, at most 10,000");
        out.ratePerSecond = value;
        break;
      case "burst":
        out.burst = intField(at, value, 1, 10_000);
        break;
      default:
        refuse(at, `unknown setting ${at}`);
    }
  }
  if (out.burst !== undefined && out.ratePerSecond === undefined)
    refuse("flow.burst", "flow.burst needs flow.ratePerSecond");
  return out;
}

function intField(field: string, value: unknown, min: number, max: number): number {
  try {
    return assertIntInRange(field, value, min, max);
  } catch {
    refuse(field, `${field} must be an integer from ${min} to ${max}`);
  }
}

/** Whether the settings limit deliveries per flow key (and so need each pending entry's key). */
export function limitsKeys(settings: GroupSettings | undefined): boolean {
  const flow = settings?.flow;
  return (
    settings?.ordered === true ||
    flow?.parallelism !== undefined ||
    flow?.ratePerSecond !== undefined
  );
}
