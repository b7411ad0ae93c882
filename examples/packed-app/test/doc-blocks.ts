/**
 * The code blocks of a Markdown file that the doc harness runs, each marked by an HTML
 * comment on the line above its fence (invisible on GitHub):
 *
 * - `<!-- doctest: run -->`: a shell block, run in the file's scratch session where the
 *   block before it left off (its directory and variables); `run fresh` is another way
 *   to do the same step, from a new session directory (its variables stay);
 * - `<!-- doctest: background -->`: a shell block that serves (`npm run dev`): started,
 *   waited for until the session's port answers, stopped when the file is done;
 * - `<!-- doctest: file src/worker.ts -->`: written to that path in the session's directory,
 *   for a later `run` block to build or type-check;
 * - `<!-- doctest: skip <why> -->`: not run here, and the reason is reported.
 *
 * A shell block without a marker is an error: every command in the docs is either run or
 * said not to be.
 */
export type BlockMode = "run" | "background" | "file" | "skip";

export interface DocBlock {
  /** The Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  mode: BlockMode;
  /** `file`: where the block goes; `skip`: why it cannot run here. */
  argument: string;
  /**
   * What the block's curl calls answer, as the docs show it: a `# {…}` or `# […]` comment
   * after the call, or a ```json block right after the block (for its last call). Keyed by
   * the call's index in the block.
   */
  expected: Map<number, unknown>;
}

const SHELL = new Set(["sh", "bash", "shell", "console"]);
const MARKER = /^\s*<!--\s*doctest:\s*(run|background|file|skip)\b\s*(.*?)\s*-->\s*$/;
const FENCE = /^(\s*)```(\w*)\s*$/;

/** The blocks of `text` (the Markdown of `file`); throws on an unmarked shell block. */
export function docBlocks(file: string, text: string): DocBlock[] {
  const lines = text.split("\n");
  const blocks: DocBlock[] = [];
  const unmarked: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (!open) continue;
    const [, indent = "", lang = ""] = open;
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? "").startsWith(`${indent}\`\`\``)) end++;
    const code = lines
      .slice(i + 1, end)
      .map((l) => l.slice(indent.length))
      .join("\n");
    const marker = MARKER.exec(lines[i - 1] ?? "");
    if (marker) {
      const block: DocBlock = {
        file,
        line: i + 1,
        lang,
        code,
        mode: marker[1] as BlockMode,
        argument: marker[2] ?? "",
        expected: SHELL.has(lang) ? expectedAnswers(code) : new Map(),
      };
      if (block.mode === "skip" && block.argument === "")
        throw new Error(`${file}:${i + 1}: a skipped block must say why`);
      const after = followingJson(lines, end + 1);
      const calls = curlCalls(code);
      if (after !== undefined && calls > 0) block.expected.set(calls - 1, after);
      blocks.push(block);
    } else if (SHELL.has(lang)) unmarked.push(i + 1);
    i = end;
  }
  if (unmarked.length > 0)
    throw new Error(
      `${file}: shell blocks without a doctest marker at lines ${unmarked.join(", ")}`,
    );
  return blocks;
}

/** How many curl calls a shell block makes (one per line that starts one). */
export function curlCalls(code: string): number {
  return code.split("\n").filter((l) => /^\s*(\S+=\S*\s+)*curl\s/.test(l)).length;
}

/** `# {…}` / `# […]` comment lines that parse as JSON, keyed by the call they follow. */
function expectedAnswers(code: string): Map<number, unknown> {
  const expected = new Map<number, unknown>();
  let calls = 0;
  for (const line of code.split("\n")) {
    if (/^\s*(\S+=\S*\s+)*curl\s/.test(line)) calls++;
    const comment = /^\s*#\s*([[{].*)$/.exec(line);
    if (comment && calls > 0) {
      try {
        expected.set(calls - 1, JSON.parse(comment[1] ?? ""));
      } catch {
        // Prose in a comment, not an answer.
      }
    }
  }
  return expected;
}

/** The JSON of a ```json fence that starts at `from` (blank lines allowed before it). */
function followingJson(lines: string[], from: number): unknown {
  let i = from;
  while (i < lines.length && (lines[i] ?? "").trim() === "") i++;
  if (!/^\s*```json\s*$/.test(lines[i] ?? "")) return undefined;
  let end = i + 1;
  while (end < lines.length && !/^\s*```\s*$/.test(lines[end] ?? "")) end++;
  return JSON.parse(lines.slice(i + 1, end).join("\n"));
}

/**
 * Whether `actual` has the shape the docs show: objects with the same keys, arrays of the
 * same length whose items have the shapes shown, values of the same JSON type. Values
 * themselves (ids, offsets, times) differ from run to run and are not compared.
 * Returns where it differs, or undefined.
 */
export function shapeMismatch(expected: unknown, actual: unknown, at = "$"): string | undefined {
  const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  if (kind(expected) !== kind(actual))
    return `${at}: expected ${kind(expected)}, got ${kind(actual)}`;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length)
      return `${at}: expected ${expected.length} items, got ${actual.length}`;
    for (const [i, item] of expected.entries()) {
      const diff = shapeMismatch(item, actual[i], `${at}[${i}]`);
      if (diff) return diff;
    }
  } else if (kind(expected) === "object") {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const keys = (o: object) => Object.keys(o).sort().join(",");
    if (keys(e) !== keys(a)) return `${at}: expected keys ${keys(e)}, got ${keys(a)}`;
    for (const key of Object.keys(e)) {
      const diff = shapeMismatch(e[key], a[key], `${at}.${key}`);
      if (diff) return diff;
    }
  }
  return undefined;
}
