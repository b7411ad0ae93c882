import { ApiError, api, session, signInHref } from "./api.js";
import { deadLettersView } from "./dead-letters-view.js";
import { $ } from "./dom.js";
import { errorView } from "./error-view.js";
import { groupView } from "./group-view.js";
import { messagesView } from "./messages-view.js";
import { consolePath } from "./next-path.js";
import { topicView } from "./topic-view.js";
import { topicsView } from "./topics-view.js";
import { transactionsView } from "./transactions-view.js";

/** Only a console page may be where sign-in returns to: never another site. */
function nextPage(): string {
  return consolePath(new URLSearchParams(location.search).get("next") ?? "", location.origin);
}

function signInView(): void {
  const error = $("#sign-in-error");
  if (new URLSearchParams(location.search).get("reason") === "expired")
    error.textContent = "The broker no longer accepts that token: sign in again.";
  $<HTMLFormElement>("#sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = $<HTMLInputElement>("#token").value.trim();
    error.textContent = "";
    try {
      await api("/v1/topics", undefined, token);
      session.signIn(token);
      location.assign(nextPage());
    } catch (e) {
      error.textContent =
        e instanceof ApiError && e.status === 401
          ? "The broker does not know this token. Check it and try again."
          : `Could not sign in: ${e instanceof Error ? e.message : String(e)}`;
      $<HTMLInputElement>("#token").focus();
    }
  });
}

function start(): void {
  const { page = "", topic = "", group = "" } = document.body.dataset;
  if (page === "sign-in") {
    signInView();
    return;
  }
  if (!session.token()) {
    location.replace(signInHref());
    return;
  }
  const signOut = $<HTMLButtonElement>("#sign-out");
  signOut.hidden = false;
  signOut.addEventListener("click", () => {
    session.signOut();
    location.assign("/console/sign-in");
  });
  const views: Record<string, () => Promise<void>> = {
    topics: topicsView,
    topic: () => topicView(topic),
    messages: () => messagesView(topic),
    group: () => groupView(topic, group),
    "dead-letters": () => deadLettersView(topic, group),
    transactions: () => transactionsView(topic),
  };
  (views[page] ?? (async () => undefined))()
    .then(() => {
      document.body.dataset.ready = "true";
    })
    .catch((error: unknown) => {
      // A 401 is already on its way to sign-in (api.ts).
      if (error instanceof ApiError && error.status === 401) return;
      errorView(error, topic);
      document.body.dataset.ready = "error";
    });
}

start();
