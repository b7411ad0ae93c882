import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * A DevTools-protocol session with the local workerd's V8 inspector
 * (Miniflare's `inspectorPort`): heap use of the Worker's isolate, where its
 * Durable Objects run, and CPU profiles. Node 20 has `WebSocket` only under
 * `--experimental-websocket`, which the bench scripts pass.
 */
export class Inspector {
  private next = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (result: unknown) => void; reject: (e: Error) => void }
  >();

  /** Chunks of the heap snapshot being taken, when one is kept. */
  private chunks: string[] | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const reply = JSON.parse(String(event.data)) as {
        id?: number;
        method?: string;
        params?: { chunk?: string };
        result?: unknown;
        error?: { message: string };
      };
      if (reply.method === "HeapProfiler.addHeapSnapshotChunk")
        this.chunks?.push(reply.params?.chunk ?? "");
      const waiter = reply.id === undefined ? undefined : this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id!);
      if (reply.error) waiter.reject(new Error(reply.error.message));
      else waiter.resolve(reply.result);
    });
  }

  /** Connects to the user Worker's isolate (`core:user:<name>`; the unnamed Worker's is `core:user:`). */
  static async connect(port: number, worker = ""): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
      id: string;
      webSocketDebuggerUrl: string;
    }>;
    const target = targets.find((t) => t.id === `core:user:${worker}`);
    if (!target) throw new Error(`no inspector target for worker "${worker}"`);
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error("inspector refused")), {
        once: true,
      });
    });
    return new Inspector(socket);
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    const reply = new Promise<T>((resolve, reject) =>
      this.waiting.set(id, { resolve: resolve as (r: unknown) => void, reject }),
    );
    this.socket.send(JSON.stringify({ id, method, params }));
    return reply;
  }

  /**
   * Bytes of live JavaScript heap after a full garbage collection. workerd
   * never answers `HeapProfiler.collectGarbage`; a heap snapshot collects
   * first, so one is taken (and kept, as JSON text, when `keep` is set).
   */
  async heapUsedAfterGc(keep = false): Promise<{ used: number; snapshot?: string }> {
    this.chunks = keep ? [] : undefined;
    await this.send("HeapProfiler.enable");
    await this.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const snapshot = this.chunks?.join("");
    this.chunks = undefined;
    const { usedSize } = await this.send<{ usedSize: number }>("Runtime.getHeapUsage");
    return { used: usedSize, ...(snapshot === undefined ? {} : { snapshot }) };
  }

  close(): void {
    this.socket.close();
  }
}

/** A TCP port nobody listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

/** Resident memory of a process, bytes: in all, and its anonymous (heap) and file or shared-memory (mapped) parts. */
export interface Resident {
  rss: number;
  anon: number;
  mapped: number;
}

/** Resident memory of each workerd process this Node process started, by pid. */
export function workerdRss(): Map<number, Resident> {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      // `pid (comm) state ppid …`; comm may hold spaces, so split after its closing paren.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      names.set(pid, stat.slice(stat.indexOf("(") + 1, close));
      parents.set(pid, Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p))
      if (p === process.pid) return true;
    return false;
  };
  const out = new Map<number, Resident>();
  for (const [pid, name] of names) {
    if (!name.startsWith("workerd") || !ours(pid)) continue;
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
