import { EdgeqError, type TokenRequest } from "@edgeq/browser";

/**
 * Where the app's own server hands out short-lived edgeq tokens for the
 * signed-in person (its session cookie says who). `npm start` and the tests
 * serve the dev stand-in (dev/sign-in.ts); a real deployment sets
 * VITE_EDGEQ_SESSION_URL to its own sign-in server.
 */
export const SESSION_URL: string = import.meta.env.VITE_EDGEQ_SESSION_URL ?? "/dev";

/**
 * The person's broker token, one per page or service worker. It is used
 * until the broker refuses it (the outbox then asks with `refresh: true`), not
 * until the device's clock says it expired: a device clock may be minutes off,
 * the broker's verdict is the one that counts.
 */
class Session {
  private token: string | undefined;
  private fetching: Promise<string> | undefined;

  /** The outbox's `token` option. */
  readonly tokenFor = ({ refresh }: TokenRequest): Promise<string> => {
    if (this.token !== undefined && !refresh) return Promise.resolve(this.token);
    // Concurrent callers share one request to the server.
    this.fetching ??= this.fetchToken().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  };

  async user(): Promise<string | null> {
    const { user } = (await this.call("GET", "/session")) as { user: string | null };
    return user;
  }

  async signIn(user: string): Promise<void> {
    const { token } = (await this.call("POST", "/sign-in", { user })) as { token: string };
    this.token = token;
  }

  async signOut(): Promise<void> {
    await this.call("POST", "/sign-out");
    this.token = undefined;
  }

  private async fetchToken(): Promise<string> {
    const { token } = (await this.call("POST", "/token")) as { token: string };
    this.token = token;
    return token;
  }

  /** The server's answer; a 401 is the outbox's `unauthorized`, so syncing pauses until a sign-in. */
  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${SESSION_URL}${path}`, {
      method,
      credentials: "same-origin",
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    if (res.status === 401) throw new EdgeqError("unauthorized", "signed out: sign in to send");
    if (!res.ok) throw new EdgeqError("unavailable", `the sign-in server answered ${res.status}`);
    return res.status === 204 ? undefined : res.json();
  }
}

export const session = new Session();
