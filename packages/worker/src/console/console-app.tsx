/** @jsxImportSource hono/jsx */
import { assertName } from "@edgeq/core/engine";
import { type Context, Hono } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import { CONSOLE_SCRIPT } from "./client-script.js";
import { Layout, type PagePlace } from "./layout.js";
import {
  DeadLettersPage,
  GroupPage,
  MessagesPage,
  SignInPage,
  TopicPage,
  TopicsPage,
  TransactionsPage,
} from "./pages.js";
import { CONSOLE_STYLES } from "./styles.js";

type AppEnv = { Bindings: Env };

/** Each page: its path, the client view that fills it, its title and its server-rendered shell. */
const PAGES: Array<{
  path: string;
  page: string;
  title: (p: PagePlace) => string;
  body: (p: PagePlace) => JSX.Element;
}> = [
  { path: "/console", page: "topics", title: () => "Topics", body: () => <TopicsPage /> },
  { path: "/console/sign-in", page: "sign-in", title: () => "Sign in", body: () => <SignInPage /> },
  {
    path: "/console/topics/:topic",
    page: "topic",
    title: (p) => `Topic ${p.topic}`,
    body: (p) => <TopicPage {...p} />,
  },
  {
    path: "/console/topics/:topic/messages",
    page: "messages",
    title: (p) => `Messages of ${p.topic}`,
    body: (p) => <MessagesPage {...p} />,
  },
  {
    path: "/console/topics/:topic/transactions",
    page: "transactions",
    title: (p) => `Transactions of ${p.topic}`,
    body: (p) => <TransactionsPage {...p} />,
  },
  {
    path: "/console/topics/:topic/groups/:group",
    page: "group",
    title: (p) => `Group ${p.group}`,
    body: (p) => <GroupPage {...p} />,
  },
  {
    path: "/console/topics/:topic/groups/:group/dead-letters",
    page: "dead-letters",
    title: (p) => `Dead letters of ${p.group}`,
    body: (p) => <DeadLettersPage {...p} />,
  },
];

/**
 * The console talks to this origin's API only and is never framed: the
 * token it holds must not leak to another origin's script or a clickjacker.
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/**
 * The operator console (`/console`): server-rendered page shells and one
 * client script that calls the public HTTP API (docs/protocol.md) with the
 * operator's token, so it can show nothing the token could not read itself.
 */
export function createConsoleApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const place = (c: Context<AppEnv>): PagePlace => {
    const { topic, group } = c.req.param() as PagePlace;
    if (topic !== undefined) assertName("topic", topic);
    if (group !== undefined) assertName("group", group);
    return { ...(topic === undefined ? {} : { topic }), ...(group === undefined ? {} : { group }) };
  };
  const render = async (c: Context<AppEnv>, node: JSX.Element) =>
    c.html(`<!doctype html>${await node.toString()}`, 200, SECURITY_HEADERS);

  app.get("/", (c) => c.redirect("/console"));
  app.get("/console/", (c) => c.redirect("/console"));
  app.get("/console/app.js", (c) =>
    c.body(CONSOLE_SCRIPT, 200, {
      ...SECURITY_HEADERS,
      "content-type": "text/javascript; charset=utf-8",
    }),
  );
  app.get("/console/app.css", (c) =>
    c.body(CONSOLE_STYLES, 200, { ...SECURITY_HEADERS, "content-type": "text/css; charset=utf-8" }),
  );
  for (const { path, page, title, body } of PAGES)
    app.get(path, (c) => {
      const p = place(c);
      return render(
        c,
        <Layout page={page} title={title(p)} {...p}>
          {body(p)}
        </Layout>,
      );
    });
  return app;
}
