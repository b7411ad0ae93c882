import type { IncomingMessage, ServerResponse } from "node:http";

// Plumbing of the test proxies (the browser tests' fault proxy, the chaos
// harness): pass a request on to the broker and its answer back.

export interface Answer {
  status: number;
  headers: Headers;
  body: ArrayBuffer;
}

export async function forward(target: string, req: IncomingMessage, body: Buffer): Promise<Answer> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === "host" || name === "connection") continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const response = await fetch(`${target}${req.url ?? "/"}`, {
    method: req.method ?? "GET",
    headers,
    ...(req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS"
      ? {}
      : { body: body.toString("utf8") }),
  });
  return { status: response.status, headers: response.headers, body: await response.arrayBuffer() };
}

export function send(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (name !== "content-encoding" && name !== "content-length" && name !== "transfer-encoding")
      headers[name] = value;
  });
  res.writeHead(answer.status, headers);
  res.end(Buffer.from(answer.body));
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
