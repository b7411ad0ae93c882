/**
 * The benchmark's clients: producers, lease consumers and readers speaking
 * HTTP to one local broker. Each returns msg/s measured in Node, never inside
 * the Worker (PLATFORM-NOTES: time inside a Worker is not to be trusted).
 */

/** A small order event (about 80 bytes), the same for edgeq and the raw-SQL object. */
const BODY_JSON = JSON.stringify({
  type: "order.created",
  id: "order-0000",
  amount: 42.5,
  items: ["a", "b", "c"],
});

/** Long enough that no lease runs out during a measurement (a redelivery would count twice). */
const LEASE_MS = 120_000;

/** Where a lease consumer receives and acks. */
export interface LeasePaths {
  receive: string;
  ack: string;
}

export class BenchClient {
  private producers = 0;
  private readonly headers: Record<string, string>;

  constructor(
    readonly url: string,
    token: string,
  ) {
    this.headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method: "POST",
      headers: this.headers,
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method: "PUT",
      headers: this.headers,
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`, { headers: this.headers });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /**
   * `producers` distinct producerIds post `total` messages between them, in
   * batches of `batch`, each waiting for its answer before the next (so at
   * most `producers` requests are in flight); returns msg/s. Each request's
   * round trip (ms) goes into `latencies` when given.
   */
  async produce(
    path: string,
    total: number,
    batch: number,
    producers: number,
    latencies?: number[],
  ): Promise<number> {
    const each = Math.ceil(total / producers);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: producers }, async () => {
        const producerId = `bench-${this.producers++}`;
        for (let seq = 1; seq <= each; seq += batch) {
          const sent = performance.now();
          await this.send(path, producerId, seq, Math.min(batch, each - seq + 1));
          latencies?.push(performance.now() - sent);
        }
      }),
    );
    return (each * producers * 1000) / (performance.now() - start);
  }

  /**
   * One produce request. The client shares this machine's two cores with
   * workerd, so it stays cheap: the body is built as text around one
   * pre-serialised message body, and a success answer is not parsed (the
   * benchmark checks the queue's head offset instead).
   */
  private async send(path: string, producerId: string, seq: number, n: number): Promise<void> {
    const messages: string[] = [];
    for (let i = 0; i < n; i++) messages.push(`{"seq":${seq + i},"body":${BODY_JSON}}`);
    const res = await fetch(`${this.url}${path}`, {
      method: "POST",
      headers: this.headers,
      body: `{"producerId":"${producerId}","messages":[${messages.join(",")}]}`,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  }

  /**
   * `consumers` lease consumers receive (100 at a time) and ack until `total`
   * are done; msg/s. `paths` are edgeq's group endpoints or the raw object's.
   */
  async receiveAndAck(paths: LeasePaths, total: number, consumers: number): Promise<number> {
    let done = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: consumers }, async () => {
        while (done < total) {
          const { messages } = await this.post<{ messages: Array<{ receipt: string }> }>(
            paths.receive,
            { max: 100, visibilityMs: LEASE_MS },
          );
          if (messages.length === 0) break;
          await this.post(paths.ack, { receipts: messages.map((m) => m.receipt) });
          done += messages.length;
        }
      }),
    );
    if (done < total) throw new Error(`${paths.receive}: only ${done} of ${total} received`);
    return (done * 1000) / (performance.now() - start);
  }

  /** One reader pages through `total` messages of queue 0 from `from`, 1,000 a request; msg/s. */
  async read(topic: string, from: number, total: number): Promise<number> {
    let offset = from;
    let seen = 0;
    const start = performance.now();
    while (seen < total) {
      const page = await this.get<{ messages: unknown[]; nextOffset: number }>(
        `/v1/topics/${topic}/queues/0/messages?from=${offset}&limit=1000`,
      );
      if (page.messages.length === 0) throw new Error(`${topic} ended at ${offset}`);
      seen += page.messages.length;
      offset = page.nextOffset;
    }
    return (seen * 1000) / (performance.now() - start);
  }

  /**
   * The same read in the NDJSON form (`accept: application/x-ndjson`), `limit`
   * a request, resumed from its `edgeq-next-offset`; each line parsed, as the
   * reference's client parses its JSON; msg/s.
   */
  async readNdjson(topic: string, from: number, total: number, limit: number): Promise<number> {
    let offset = from;
    let seen = 0;
    const start = performance.now();
    while (seen < total) {
      const res = await fetch(
        `${this.url}/v1/topics/${topic}/queues/0/messages?from=${offset}&limit=${limit}`,
        { headers: { ...this.headers, accept: "application/x-ndjson" } },
      );
      const text = await res.text();
      if (!res.ok) throw new Error(`${topic}: ${res.status} ${text}`);
      let lines = 0;
      for (let at = 0; at < text.length; ) {
        const end = text.indexOf("\n", at);
        JSON.parse(text.slice(at, end));
        lines++;
        at = end + 1;
      }
      if (lines === 0) throw new Error(`${topic} ended at ${offset}`);
      seen += lines;
      offset = Number(res.headers.get("edgeq-next-offset"));
    }
    return (seen * 1000) / (performance.now() - start);
  }
}

/** The `p`-quantile (0..1) of `xs`, nearest rank. */
export function quantile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}
