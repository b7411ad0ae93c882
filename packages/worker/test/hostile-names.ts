// The hostile names of the adversarial suite and what docs/protocol.md says
// about each (Conventions: names match [A-Za-z0-9._-]{1,128} except `.` and
// `..`; Hostile input: every other such name, object members' names
// included, is an ordinary name).

export interface HostileName {
  label: string;
  name: string;
}

/** JavaScript object members' names: ordinary names by the protocol. */
export const PROTOTYPE_KEYS = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "__defineGetter__",
  "prototype",
  "isPrototypeOf",
  "__lookupSetter__",
  "toLocaleString",
] as const;

const named = (label: string, name: string): HostileName => ({ label, name });

export const HOSTILE_NAMES: readonly HostileName[] = [
  ...PROTOTYPE_KEYS.map((k) => named(k, k)),
  named("three dots", "..."),
  named("a dash", "-"),
  named("128 characters", "a".repeat(128)),
  named("a dot", "."),
  named("two dots", ".."),
  named("%2e", "%2e"),
  named("%2e%2e", "%2e%2e"),
  named("a star", "*"),
  named("a star suffix", "a*"),
  named("a brace", "{"),
  named("{sub}", "{sub}"),
  named("NUL", "\0"),
  named("NUL inside", "a\0b"),
  named("a pipe", "|"),
  named("129 characters", "a".repeat(129)),
  named("1,000 bytes of é", "é".repeat(500)),
  named("1,000 ASCII characters", "a".repeat(1000)),
  named("a space", "a b"),
  named("a slash", "a/b"),
  named("an emoji", "😀"),
  named("empty", ""),
  named("a lone high surrogate", "\uD800"),
  named("a lone low surrogate inside", "x\uDFFFy"),
  named("a reversed pair", "\uDE00\uD83D"),
];

const NAME = /^[A-Za-z0-9._-]{1,128}$/;
// In a `u` regex a well-formed pair is one code point: only lone surrogates match.
const LONE = /\p{Surrogate}/u;

/** A topic, group or producer name the broker stores (docs/protocol.md, Conventions). */
export const isName = (name: string) => NAME.test(name) && name !== "." && name !== "..";
/** A dot segment: a URL resolves it away, so no path can name it. */
export const isDotSegment = (name: string) => name === "." || name === "..";
/** Text that is not well-formed Unicode (docs/protocol.md, Text). */
export const hasLoneSurrogate = (text: string) => LONE.test(text);
export const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/**
 * `name` as one path segment or query value, percent-encoded as UTF-8; a
 * lone surrogate as the bytes a careless encoder writes for it (ED A0 80:
 * not UTF-8), which is how such a name reaches a URL at all.
 */
export function encodeSegment(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    const next = name.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(name.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    } else {
      // `*` stays as it is in encodeURIComponent: a path may carry it raw.
      out += encodeURIComponent(name[i]!);
    }
  }
  return out;
}
