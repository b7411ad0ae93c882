import type { TopicInfo, TopicPage } from "./wire.js";

const TOKEN_KEY = "edgeq-console-token";

/** The operator's token: this tab only (sessionStorage), gone when the tab closes. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** An error answer of the API: its status and `error.code`, and its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field the API names as wrong (`error.field`), e.g. `flow.parallelism`. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The sign-in page, coming back to `next` (this page) afterwards. */
export function signInHref(reason?: string): string {
  const next = encodeURIComponent(location.pathname + location.search);
  return `/console/sign-in?next=${next}${reason ? `&reason=${reason}` : ""}`;
}

/**
 * Calls the public API with the token: GET without a body, POST with one
 * (or `method`: DELETE, or PUT with a body). A 401 on any page but sign-in means the token is no longer
 * good: back to sign-in, which says so.
 */
export async function api<T>(
  path: string,
  body?: unknown,
  token = session.token(),
  method?: "DELETE" | "PUT",
): Promise<T> {
  const init: RequestInit = {
    headers: { authorization: `Bearer ${token ?? ""}` },
    ...(method ? { method } : {}),
  };
  if (body !== undefined)
    Object.assign(init, {
      method: method ?? "POST",
      body: JSON.stringify(body),
      headers: { ...init.headers, "content-type": "application/json" },
    });
  const response = await fetch(path, init);
  const data = (await response.json().catch(() => ({}))) as {
    error?: { code?: string; message?: string; field?: string; setting?: string };
  };
  if (response.ok) return data as T;
  const error = new ApiError(
    response.status,
    data.error?.code ?? "internal",
    data.error?.message ?? response.statusText,
    // A 409 on topic settings names the setting (`setting`), a 400 the field.
    data.error?.field ?? data.error?.setting,
  );
  if (response.status === 401 && document.body.dataset.page !== "sign-in") {
    session.signOut();
    location.assign(signInHref("expired"));
  }
  throw error;
}

/** `/v1/topics/{topic}…`, with the topic escaped. */
export const topicPath = (topic: string, rest = "") =>
  `/v1/topics/${encodeURIComponent(topic)}${rest}`;

/** One page of the token's topics and its rights on each (`GET /v1/topics`, paged by cursor). */
export function topicsPage(limit: number, cursor?: string): Promise<TopicPage> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor !== undefined) query.set("cursor", cursor);
  return api<TopicPage>(`/v1/topics?${query}`);
}

/** The token's entry for one topic (its rights, and its settings with `admin`), if it may see it. */
export async function topicInfo(topic: string): Promise<TopicInfo | undefined> {
  const { topics } = await api<TopicPage>(
    `/v1/topics?${new URLSearchParams({ prefix: topic, limit: "1" })}`,
  );
  return topics.find((t) => t.topic === topic);
}
