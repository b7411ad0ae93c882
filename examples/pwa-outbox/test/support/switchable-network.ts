import type { AddressInfo } from "node:net";
import { connect, createServer, type Socket } from "node:net";

/**
 * A TCP relay in front of a server whose reachability the test switches: the
 * same "network off" in every engine (WebDriver has no offline emulation, and
 * Playwright's is Chromium's own). Offline, open connections are cut and new
 * ones refused at once, as a dropped Wi-Fi does; the browser's
 * `navigator.onLine` does not change (it does not on a captive or dead network either).
 */
export async function startSwitchableNetwork(targetUrl: string) {
  const target = new URL(targetUrl);
  const open = new Set<Socket>();
  let offline = false;
  const server = createServer((client) => {
    if (offline) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on("close", () => open.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    setOffline(value: boolean) {
      offline = value;
      if (value) for (const s of open) s.destroy();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
