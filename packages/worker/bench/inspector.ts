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
