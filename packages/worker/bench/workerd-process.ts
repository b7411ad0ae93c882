import { readdirSync, readFileSync } from "node:fs";

/**
 * The local workerd processes this Node process started (through Miniflare),
 * read from /proc: their resident memory and the CPU time they used. CPU
 * time is what a benchmark on a shared machine can compare: wall time counts
 * the other tenants' work too.
 */

/** The pids of the workerd processes descended from this one. */
function workerdPids(): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const [name, fields] = stat(pid);
      names.set(pid, name);
      parents.set(pid, Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p))
      if (p === process.pid) return true;
    return false;
  };
  return [...names]
    .filter(([pid, name]) => name.startsWith("workerd") && ours(pid))
    .map(([pid]) => pid);
}

/** `/proc/<pid>/stat`: the command name, and the fields after it (state first). */
function stat(pid: number): [string, string[]] {
  // `pid (comm) state ppid …`; comm may hold spaces, so split after its closing paren.
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = text.lastIndexOf(")");
  return [text.slice(text.indexOf("(") + 1, close), text.slice(close + 2).split(" ")];
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) the workerd processes used so far. */
export function workerdCpuMs(): number {
  let ticks = 0;
  for (const pid of workerdPids()) {
    try {
      const fields = stat(pid)[1];
      // utime and stime: fields 14 and 15 of the whole line, 11 and 12 after the name.
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone meanwhile.
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Resident memory of a process, bytes: in all, and its anonymous (heap) and file or shared-memory (mapped) parts. */
export interface Resident {
  rss: number;
  anon: number;
  mapped: number;
}

/** Resident memory of each workerd process this Node process started, by pid. */
export function workerdRss(): Map<number, Resident> {
  const out = new Map<number, Resident>();
  for (const pid of workerdPids()) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = (field: string) =>
        Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
      out.set(pid, {
        rss: kb("VmRSS"),
        anon: kb("RssAnon"),
        mapped: kb("RssFile") + kb("RssShmem"),
      });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}
