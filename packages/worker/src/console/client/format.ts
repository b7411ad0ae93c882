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

/** `value` in the largest unit that writes it exactly (whole, or with one decimal), else in the base unit. */
function exact(value: number, units: Array<[number, string]>): string {
  for (const [size, unit] of units) {
    if (value < size) continue;
    if (value % size === 0) return `${value / size} ${unit}`;
    if ((value * 10) % size === 0) return `${(value / size).toFixed(1)} ${unit}`;
  }
  return `${value} ${units.at(-1)![1]}`;
}

/** A duration as a form shows it: in a unit that reads back as exactly the same number of ms. */
export const exactDuration = (ms: number) => exact(ms, UNITS);

/** A size as a form shows it: in a unit that reads back as exactly the same number of bytes. */
export const exactBytes = (n: number) =>
  exact(n, [
    [1024 ** 3, "GiB"],
    [1024 ** 2, "MiB"],
    [1024, "KiB"],
    [1, "B"],
  ]);

/** What the console writes for the largest safe integer: the API's "no limit". */
export const NO_LIMIT = "no limit";

/** A value the operator typed that the console cannot turn into a number: said at the field. */
export class UnitError extends Error {}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const BYTE_UNITS: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** `7 d`, `1.5 h`, `250 ms`, `0` (or "none") → ms; "no limit" → the largest safe integer. */
export function parseDuration(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === NO_LIMIT) return Number.MAX_SAFE_INTEGER;
  if (t === "0" || t === "none") return 0;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(t);
  const unit = m ? DURATION_UNITS[m[2]!] : undefined;
  if (!m || unit === undefined)
    throw new UnitError(`"${text}" is not a duration: write a number and ms, s, min, h or d`);
  return Math.round(Number(m[1]) * unit);
}

/** `128 KiB`, `4 MiB`, `512` (bytes) → bytes; "no limit" → the largest safe integer. */
export function parseBytes(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === NO_LIMIT) return Number.MAX_SAFE_INTEGER;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(t);
  const unit = m ? BYTE_UNITS[m[2] || "b"] : undefined;
  if (!m || unit === undefined)
    throw new UnitError(`"${text}" is not a size: write a number and B, KiB, MiB or GiB`);
  return Math.round(Number(m[1]) * unit);
}

/** A plain number (fractions allowed: the API judges the range); "no limit" → the largest safe integer. */
export function parseNumber(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === NO_LIMIT) return Number.MAX_SAFE_INTEGER;
  if (!/^-?\d+(?:\.\d+)?$/.test(t)) throw new UnitError(`"${text}" is not a number`);
  return Number(t);
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

/** A body's size as stored: bytes of its JSON text, or of the bytes themselves. */
export function bodySize(message: Pick<WireMessage, "body" | "encoding">): number {
  if (message.encoding === "base64") return atob(String(message.body)).length;
  return new TextEncoder().encode(JSON.stringify(message.body)).length;
}
