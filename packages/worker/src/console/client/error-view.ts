import { ApiError } from "./api.js";
import { h } from "./dom.js";

/**
 * Replaces the page with what went wrong, when the API refused the page's
 * first call: an unknown topic (404) or a token that may not see it (403),
 * said in the page itself rather than as empty tables and a footer line.
 */
export function errorView(error: unknown, topic: string): void {
  const main = document.querySelector("main")!;
  const title = document.querySelector("h1")!;
  let kind = "failed";
  let heading = "Something failed";
  let text = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError && error.status === 404 && topic) {
    kind = "not-found";
    heading = `No topic named ${topic}`;
    text = `The broker has no topic ${topic} (${error.message}). It may have been deleted, or the link has a typo.`;
  } else if (error instanceof ApiError && error.status === 403) {
    kind = "forbidden";
    heading = "This token may not see this";
    text = `The broker refused this token here: ${error.message}. Sign in with a token that has the right, or ask for one.`;
  } else if (error instanceof ApiError) text = `${error.message} (${error.status} ${error.code})`;
  title.textContent = heading;
  document.title = `${heading} · edgeq console`;
  main.replaceChildren(
    title,
    h(
      "section",
      { class: "problem", "data-error": kind, role: "alert" },
      h("p", {}, text),
      h("p", {}, h("a", { href: "/console" }, "Back to the topics this token may use")),
    ),
  );
}
