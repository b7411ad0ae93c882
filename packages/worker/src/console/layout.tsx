/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";

/** Where a page sits: the topic and group it shows, for the breadcrumb and the client script. */
export interface PagePlace {
  topic?: string;
  group?: string;
}

interface LayoutProps extends PagePlace {
  /** Which client view fills the page (`data-page`). */
  page: string;
  title: string;
  children?: Child;
}

const consoleHref = (place: PagePlace, suffix = "") =>
  `/console/topics/${encodeURIComponent(place.topic ?? "")}${suffix}`;

/**
 * The page frame: header with breadcrumb and sign-out, one `<main>`, a live
 * status region and the confirmation dialog. The server renders only this
 * and each page's empty structure: data needs the token, which stays in the
 * browser (sessionStorage), so the client script fetches it from the API.
 */
export function Layout(props: LayoutProps) {
  const { page, title, topic, group } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{`${title} · edgeq console`}</title>
        <link rel="stylesheet" href="/console/app.css" />
        <script type="module" src="/console/app.js" />
      </head>
      <body data-page={page} data-topic={topic} data-group={group}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="bar">
          <a class="brand" href="/console">
            edgeq console
          </a>
          <nav aria-label="Breadcrumb">
            <ol>
              <li>
                <a href="/console">Topics</a>
              </li>
              {topic !== undefined && (
                <li>
                  <a href={consoleHref({ topic })}>{topic}</a>
                </li>
              )}
              {group !== undefined && (
                <li>
                  <a href={consoleHref({ topic }, `/groups/${encodeURIComponent(group)}`)}>
                    {`group ${group}`}
                  </a>
                </li>
              )}
            </ol>
          </nav>
          <button type="button" id="sign-out" class="link" hidden>
            Sign out
          </button>
        </header>
        <main id="main" tabindex={-1}>
          <h1>{title}</h1>
          {props.children}
        </main>
        <p id="status" role="status" aria-live="polite" />
        <dialog id="confirm" aria-labelledby="confirm-text">
          <form method="dialog">
            <p id="confirm-text" />
            <div class="actions">
              <button value="cancel" type="submit">
                Cancel
              </button>
              <button value="ok" type="submit" class="primary" id="confirm-ok">
                Confirm
              </button>
            </div>
          </form>
        </dialog>
      </body>
    </html>
  );
}

export { consoleHref };
