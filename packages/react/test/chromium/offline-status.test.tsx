import { describe, expect, it, onTestFinished } from "vitest";
import { commands } from "vitest/browser";
import { brokerUrl, freshOptions, network, TOKEN } from "../support.js";

// Chromium only (see vitest.config.ts): the page's network goes off with the browser's own
// switch, so `navigator.onLine` is false and the outbox waits offline without trying.
describe("useMessageStatus across the browser going offline", () => {
  it("moves a message's status from saved to on the server across offline to online", async () => {
    await network.reset();
    const { name } = await freshOptions();
    const query = new URLSearchParams({ url: brokerUrl(), token: TOKEN, name: name! });
    const app = await commands.openApp(`/test/fixtures/status.html?${query}`);
    onTestFinished(() => commands.closeApp(app));
    const progress = async () =>
      (await commands.evalInApp(
        app,
        "document.querySelector('[data-progress]')?.textContent",
      )) as string;

    await commands.setAppOffline(app, true);
    await commands.evalInApp(app, "document.querySelector('button').click()");
    await expect.poll(progress).toBe("saved");
    await commands.setAppOffline(app, false);
    await expect.poll(progress).toBe("server");
    // Whether the short `sent` moment is rendered depends on timing; the order never does.
    expect([
      ["loading", "saved", "server"],
      ["loading", "saved", "sent", "server"],
    ]).toContainEqual(await commands.evalInApp(app, "seen"));
  });
});
