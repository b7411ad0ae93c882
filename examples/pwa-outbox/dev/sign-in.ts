import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import type { Connect, Plugin } from "vite";

/**
 * A stand-in for the app's own sign-in server, for `npm start` and the tests
 * only: Vite's dev and preview servers answer these routes, a production
 * build has none of them. A real app's server does the same after a real
 * sign-in: it keeps a session (a cookie) and, from it, hands the browser a
 * short-lived edgeq token signed with the secret it shares with the broker
 * (`EDGEQ_JWT`), so no long-lived token ever sits in the app's bundle.
 *
 * - `GET /dev/session` → `{"user": "alice" | null}`
 * - `POST /dev/sign-in` `{"user": "alice"}` → sets the session cookie; `{"user", "token", "expiresAt"}`
 * - `POST /dev/token` → a fresh token for the session's user, or 401 when signed out
 * - `POST /dev/sign-out` → clears the cookie; 204
 *
 * There is no password: whoever asks is who they say. Never deploy this.
 */
export function devSignIn(): Plugin {
  const routes = handleSignIn();
  return {
    name: "edgeq-dev-sign-in",
    configureServer: (server) => void server.middlewares.use(routes),
    configurePreviewServer: (server) => void server.middlewares.use(routes),
  };
}

const COOKIE = "edgeq-dev-user";
const USER = /^[\w.-]{1,64}$/;
/** What a signed-in person of the example may do: send orders, nothing else. */
const GRANTS = [{ topics: "orders", rights: ["produce"] }];

interface JwtSettings {
  issuer: string;
  audience: string;
  secret: string;
}

/**
 * `EDGEQ_JWT` from the environment (the tests set it), else the broker's
 * `packages/worker/.dev.vars`, so `npm start` signs with what wrangler dev verifies.
 */
function jwtSettings(): JwtSettings {
  let raw = process.env.EDGEQ_JWT;
  if (!raw) {
    const devVars = fileURLToPath(new URL("../../../packages/worker/.dev.vars", import.meta.url));
    raw = readFileSync(devVars, "utf8")
      .split("\n")
      .find((line) => line.startsWith("EDGEQ_JWT="))
      ?.slice("EDGEQ_JWT=".length);
  }
  const settings = JSON.parse(raw ?? "null") as Partial<JwtSettings> | null;
  if (!settings?.issuer || !settings.audience || !settings.secret)
    throw new Error("dev sign-in needs EDGEQ_JWT with issuer, audience and an HS256 secret");
  return settings as JwtSettings;
}

/** Seconds a token lives: `EDGEQ_DEV_TOKEN_TTL_S`, default 5 minutes. */
const ttlSeconds = () => Number(process.env.EDGEQ_DEV_TOKEN_TTL_S ?? 300);

async function mint(user: string): Promise<{ token: string; expiresAt: number }> {
  const { issuer, audience, secret } = jwtSettings();
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + ttlSeconds();
  const token = await new SignJWT({ edgeq: GRANTS })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(user)
    .setIssuedAt(now)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
  return { token, expiresAt: expiresAt * 1000 };
}

function sessionUser(req: IncomingMessage): string | undefined {
  const cookie = (req.headers.cookie ?? "")
    .split(";")
    .map((part) => part.trim().split("="))
    .find(([name]) => name === COOKIE);
  const user = cookie?.[1] ? decodeURIComponent(cookie[1]) : undefined;
  return user && USER.test(user) ? user : undefined;
}

function answer(res: ServerResponse, status: number, body?: unknown, cookie?: string): void {
  res.statusCode = status;
  res.setHeader("cache-control", "no-store");
  if (cookie) res.setHeader("set-cookie", cookie);
  if (body === undefined) return void res.end();
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
}

const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
  answer(res, status, { error: { code, message } });

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 1024) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function handleSignIn(): Connect.NextHandleFunction {
  return (req, res, next) => {
    const path = req.url?.split("?")[0];
    if (!path?.startsWith("/dev/")) return next();
    const route = `${req.method} ${path}`;
    const cookie = (value: string, maxAge: number) =>
      `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`;
    const handle = async () => {
      switch (route) {
        case "GET /dev/session":
          return answer(res, 200, { user: sessionUser(req) ?? null });
        case "POST /dev/sign-in": {
          const { user } = ((await readJson(req)) ?? {}) as { user?: unknown };
          if (typeof user !== "string" || !USER.test(user))
            return refuse(res, 400, "invalid_request", "user: 1 to 64 letters, digits, _ . -");
          const body = { user, ...(await mint(user)) };
          return answer(res, 200, body, cookie(encodeURIComponent(user), 86_400));
        }
        case "POST /dev/token": {
          const user = sessionUser(req);
          if (!user) return refuse(res, 401, "unauthorized", "signed out: sign in to send");
          return answer(res, 200, await mint(user));
        }
        case "POST /dev/sign-out":
          return answer(res, 204, undefined, cookie("", 0));
        default:
          return refuse(res, 404, "not_found", `no route ${route}`);
      }
    };
    handle().catch(next);
  };
}
