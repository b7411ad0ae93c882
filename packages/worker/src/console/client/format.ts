import { h } from "./dom.js";
import type { WireMessage } from "./wire.js";

export const count = (n: number) => n.toLocaleString("en-US");

export const time = (ms: number) => new Date(ms).toLocaleString();

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${trim((n / 1024).toFixed(1))} KiB`;
  if (n < 1024 ** 3) return `${trim((n / 1024 / 1024).toFixed(1))} MiB`;
  return `${trim((n / 1024 ** 3).toFixed(1))} GiB`;
}

/** 128.0 → 128: a whole number reads as one. */
const trim = (text: string) => text.replace(/\.0$/, "");

const UNITS: Array<[number, string]> = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "min"],
  [1000, "s"],
  [1, "ms"],
];

/** A duration in the largest unit that divides it, else the largest below it with a decimal: 7 d, 1.5 h, 250 ms. */
export function duration(ms: number): string {
  for (const [size, unit] of UNITS)
    if (ms >= size || size === 1) {
      const n = ms / size;
      return `${Number.isInteger(n) ? n : n.toFixed(1)} ${unit}`;
    }
  return `${ms} ms`;
}

/**
 * A topic setting as an operator reads it: durations (`…Ms`) and sizes
 * (`…Bytes`) in their units, the largest safe integer as "no limit", a
 * retry schedule as its durations; other values as JSON.
 */
export function settingText(name: string, value: unknown): string {
  if (value === Number.MAX_SAFE_INTEGER) return "no limit";
  if (typeof value === "number" && /Ms$/.test(name)) return value === 0 ? "none" : duration(value);
  if (typeof value === "number" && /Bytes$/.test(name)) return bytes(value);
  if (name === "retrySchedule" && Array.isArray(value))
    return value.map((v) => (typeof v === "number" ? duration(v) : String(v))).join(", ");
  return JSON.stringify(value);
}

const HEX_SHOWN = 256;

/** A body as the operator reads it: JSON pretty-printed, bytes as a hex dump of their start. */
export function bodyText(message: Pick<WireMessage, "body" | "encoding">): string {
  if (message.encoding !== "base64") return JSON.stringify(message.body, null, 2);
  const raw = atob(String(message.body));
  const hex = Array.from(raw.slice(0, HEX_SHOWN), (c) =>
    c.charCodeAt(0).toString(16).padStart(2, "0"),
  );
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 16) lines.push(hex.slice(i, i + 16).join(" "));
  const more = raw.length > HEX_SHOWN ? `\n… ${raw.length - HEX_SHOWN} more bytes` : "";
  return `${raw.length} bytes\n${lines.join("\n")}${more}`;
}

/** One message in a list: where it is, its ids, and its body. */
export function messageItem(m: WireMessage): HTMLLIElement {
  const meta = [
    `queue ${m.queueId}`,
    `offset ${m.offset}`,
    m.key === undefined ? undefined : `key ${m.key}`,
    m.tags?.length ? `tags ${m.tags.join(", ")}` : undefined,
    time(m.producedAt),
  ].filter(Boolean);
  return h(
    "li",
    { "data-msg-id": m.msgId },
    h("div", {}, h("code", {}, m.msgId)),
    h("div", { class: "meta" }, meta.join(" · ")),
    h(
      "pre",
      { "aria-label": m.encoding === "base64" ? "Body (bytes)" : "Body (JSON)" },
      bodyText(m),
    ),
  );
}
