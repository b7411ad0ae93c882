import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** One order as the API applied it. */
export interface AppliedOrder {
  idempotencyKey: string | undefined;
  body: unknown;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The page's script and the service worker, bundled from source (the workspace's TypeScript). */
async function bundle(entry: string, format: "esm" | "iife"): Promise<string> {
  const result = await build({
    entryPoints: [join(root, "src", entry)],
    bundle: true,
    format,
    platform: "browser",
    target: "es2022",
    conditions: ["edgeq-source", "browser", "module"],
    define: { "process.env.NODE_ENV": '"production"' },
    write: false,
    logLevel: "error",
  });
  return result.outputFiles[0]!.text;
}

/**
 * The app's own server, as any origin: it serves the page and the service
 * worker, and its API applies each order once (by `Idempotency-Key`;
 * a repeat gets the first answer). `arrivals` counts every request that
 * reached the API, repeats and refusals included.
 */
export async function startOrigin() {
  const [html, app, sw, standalone] = await Promise.all([
    import("node:fs/promises").then((fs) => fs.readFile(join(root, "public/index.html"), "utf8")),
    bundle("app.ts", "esm"),
    bundle("sw.ts", "iife"),
    bundle("sw-standalone.ts", "iife"),
  ]);
  const applied: AppliedOrder[] = [];
  const byKey = new Map<string, number>();
  let arrivals = 0;
  let failing = 0;
  const files: Record<string, [string, string]> = {
    "/": ["text/html", html],
    "/app.js": ["text/javascript", app],
    "/sw.js": ["text/javascript", sw],
    "/sw-standalone.js": ["text/javascript", standalone],
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (req.method === "POST" && path === "/api/orders") {
      arrivals++;
      if (failing > 0) {
        failing--;
        res.writeHead(503, { "content-type": "application/json", "retry-after": "0" });
        res.end(JSON.stringify({ error: { code: "unavailable", message: "down for a moment" } }));
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const key = req.headers["idempotency-key"] as string | undefined;
      const seen = key === undefined ? undefined : byKey.get(key);
      if (seen === undefined) {
        applied.push({ idempotencyKey: key, body: JSON.parse(Buffer.concat(chunks).toString()) });
        if (key !== undefined) byKey.set(key, applied.length);
      }
      res.writeHead(seen === undefined ? 201 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify({ order: seen ?? applied.length }));
      return;
    }
    const file = files[path];
    if (req.method === "GET" && file) {
      res.writeHead(200, { "content-type": file[0], "cache-control": "no-store" });
      res.end(file[1]);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "not_found", message: `no ${req.method} ${path}` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    applied,
    arrivals: () => arrivals,
    /** The next `count` API requests get a 503 and change nothing (an origin that is briefly down). */
    failNext: (count: number) => {
      failing = count;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
