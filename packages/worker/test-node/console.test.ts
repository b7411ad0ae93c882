import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { HttpTransport, type MessageBody } from "@edgeq/core";
import { type Browser, chromium, type Page } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../../browser/test/setup/chromium.js";
import { type LocalBroker, startLocalBroker } from "./local-broker.js";

// The console in a real headless Chromium against the real broker (workerd).
// Screenshots are test artefacts (gitignored __screenshots__/); the README shows two of them.
const SHOTS = fileURLToPath(new URL("../__screenshots__/console/", import.meta.url));
const TOKENS = {
  "dev-token": [{ topics: "*", rights: ["produce", "consume", "admin"] }],
  "reader-token": [{ topics: "*", rights: ["consume"] }],
  "orders-token": [{ topics: "orders", rights: ["consume"] }],
};
// One failure is retried, the second sends a message to the dead letters.
const TOPICS = {
  orders: { queueCount: 4, maxReconsumeTimes: 1 },
  events: { queueCount: 2 },
  mirrored: { queueCount: 1, replication: { replicas: 2, mode: "sync", acks: 2 } },
  // The publish form's target, so no other test's group sees its message.
  probe: { queueCount: 1 },
  // One topic per action that changes a topic, so no other test sees it.
  tunable: { queueCount: 2 },
  resets: { queueCount: 1 },
  purgeable: { queueCount: 2 },
  charted: { queueCount: 1 },
};

let broker: LocalBroker;
let browser: Browser;
let api: HttpTransport;
let producerSeq = 0;

beforeAll(async () => {
  broker = await startLocalBroker({ tokens: TOKENS, topics: TOPICS });
  api = new HttpTransport({ url: broker.url, token: "dev-token" });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await broker?.stop();
});

/** A new tab (own sessionStorage) signed in with `token` through the sign-in page. */
async function signedIn(
  token: string,
  path = "/console",
  prepare?: (page: Page) => Promise<unknown>,
  ready: "true" | "error" = "true",
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error("[console]", error.message));
  await prepare?.(page);
  await page.goto(`${broker.url}${path}`);
  await page.waitForURL(/\/console\/sign-in/);
  await page.getByLabel("Token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === path);
  await page.waitForSelector(`body[data-ready=${ready}]`);
  return page;
}

/** Produces one message through the API; resolves with its msgId. */
async function produce(body: MessageBody, key: string): Promise<{ msgId: string }> {
  producerSeq += 1;
  const [result] = await api.send("orders", {
    producerId: "console-test",
    messages: [{ seq: producerSeq, body, key }],
  });
  if (!result?.msgId) throw new Error(`no msgId in ${JSON.stringify(result)}`);
  return { msgId: result.msgId };
}

/** Leases and fails `msgId` for `group` until it is a dead letter. */
async function killMessage(msgId: string, group = "billing"): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await api.listDeadLetters("orders", group)).some((d) => d.message.msgId === msgId)) {
    expect(Date.now()).toBeLessThan(deadline);
    const leased = await api.receive("orders", group, { max: 100, waitMs: 200 });
    const ours = leased.filter((m) => m.msgId === msgId).map((m) => m.receipt);
    const others = leased.filter((m) => m.msgId !== msgId).map((m) => m.receipt);
    if (others.length) await api.ack("orders", group, others);
    if (ours.length) await api.nack("orders", group, ours, { delayMs: 0 });
  }
}

describe("the operator console", () => {
  it("tells a wrong token so, and stays on the sign-in page", async () => {
    const page = await browser.newPage();
    await page.goto(`${broker.url}/`);
    await page.waitForURL(/\/console\/sign-in\?next=%2Fconsole/);
    await page.getByLabel("Token").fill("not-a-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toContain("does not know this token");
    expect(new URL(page.url()).pathname).toBe("/console/sign-in");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it("signs in with the dev token and lists orders with its 4 queues", async () => {
    const page = await signedIn("dev-token");
    const row = page.locator("tr[data-topic=orders]");
    await expect.poll(() => row.locator("td[data-col=queues]").textContent()).toBe("4");
    expect(await page.locator("tr[data-topic=events] td[data-col=queues]").textContent()).toBe("2");
    expect(await page.evaluate(() => sessionStorage.getItem("edgeq-console-token"))).toBe(
      "dev-token",
    );
    await page.screenshot({ path: `${SHOTS}topics.png`, fullPage: true });
    await page.context().close();
  });

  it("shows a topic's settings in human units to a token with admin, and only a notice to one without", async () => {
    const admin = await signedIn("dev-token", "/console/topics/orders");
    const setting = (name: string) => admin.locator(`#settings [name=${name}]`).inputValue();
    await expect.poll(() => setting("maxReconsumeTimes")).toBe("1");
    expect(await setting("queueCount")).toBe("4");
    // Human units: durations, sizes, "no limit"; a retry schedule as durations.
    expect(await setting("retentionMs")).toBe("7 d");
    expect(await setting("maxBytes")).toBe("no limit");
    expect(await setting("maxMessages")).toBe("no limit");
    expect(await setting("maxMessageBytes")).toBe("128 KiB");
    expect(await setting("defaultVisibilityMs")).toBe("30 s");
    expect(await setting("retrySchedule")).toMatch(/^10 s, 30 s, 1 min, 2 min/);
    await admin.context().close();
    const reader = await signedIn("reader-token", "/console/topics/events");
    await expect
      .poll(() => reader.locator("#settings-notice").textContent())
      .toContain("Only a token with admin");
    expect(await reader.locator("#settings").isHidden()).toBe(true);
    expect(await reader.locator("#purge-topic").isHidden()).toBe(true);
    await reader.context().close();
  });

  it("shows a replicated topic's primary and each replica's state, and no such section elsewhere", async () => {
    const sent = await api.send("mirrored", {
      messages: [{ body: { n: 1 } }, { body: { n: 2 } }],
    });
    expect(sent.map((r) => r.status)).toEqual(["stored", "stored"]);
    const page = await signedIn("reader-token", "/console/topics/mirrored");
    const row = page.locator("#replication tr[data-queue='0']");
    await expect.poll(() => row.locator("td").first().textContent()).toBe("origin");
    const stats = await api.stats("mirrored");
    const replication = stats.queues[0]!.replication!;
    // What the page shows is what the stats say: the term, the last batch, both replicas in sync.
    await expect
      .poll(async () => (await row.locator("td.num").allTextContents()).map(Number))
      .toEqual([replication.term, replication.seq]);
    expect(
      await row
        .locator(".replica")
        .evaluateAll((spans) => spans.map((s) => [s.dataset.replica, s.dataset.state])),
    ).toEqual([
      ["r0", "in_sync"],
      ["r1", "in_sync"],
    ]);
    await page.goto(`${broker.url}/console/topics/orders`);
    await page.waitForSelector("body[data-ready=true]");
    await expect.poll(() => page.locator("#queues tbody tr").count()).toBe(4);
    expect(await page.locator("#replication-section").isHidden()).toBe(true);
    await page.context().close();
  });

  it("publishes a test message from the messages page to a token with produce, and refuses a body that is not JSON", async () => {
    const page = await signedIn("dev-token", "/console/topics/probe/messages");
    await page.waitForSelector("#publish-section:not([hidden])");
    const result = page.locator("#publish-result");
    await page.getByLabel("Body (JSON)").fill("{not json");
    await page.getByRole("button", { name: "Publish" }).click();
    await expect.poll(() => result.textContent()).toContain("The body is not JSON");
    expect(await result.getAttribute("data-msg-id")).toBeNull();
    await page.getByLabel("Body (JSON)").fill('{"ping": 1}');
    await page.getByLabel("Key (optional)").fill("probe");
    await page.getByRole("button", { name: "Publish" }).click();
    await expect.poll(() => result.getAttribute("data-msg-id")).not.toBeNull();
    const msgId = (await result.getAttribute("data-msg-id"))!;
    expect(await result.textContent()).toMatch(/^Stored: queue \d+, offset \d+, id /);
    const stored = await api.getMessage("probe", msgId);
    expect(stored).toMatchObject({ body: { ping: 1 }, key: "probe" });
    await page.context().close();
    // Without produce, no form.
    const reader = await signedIn("reader-token", "/console/topics/probe/messages");
    await reader.waitForSelector("body[data-ready=true]");
    expect(await reader.locator("#publish-section").isHidden()).toBe(true);
    await reader.context().close();
  });

  it("shows a message produced through the API in the live tail within 2 s", async () => {
    const page = await signedIn("dev-token", "/console/topics/orders/messages");
    await page.getByRole("button", { name: "Follow new messages" }).click();
    expect(await page.locator("#tail-toggle").getAttribute("aria-pressed")).toBe("true");
    const stored = await produce({ order: 42, item: "tea" }, "cart-42");
    // The deadline is the issue's: within 2 s of the produce's answer.
    await page.waitForSelector(`#tail-list tbody[data-msg-id="${stored.msgId}"]`, {
      timeout: 2000,
    });
    const item = page.locator(`#tail-list tbody[data-msg-id="${stored.msgId}"]`);
    // One compact row; the body opens on a click.
    expect(await item.locator("[data-col=key]").textContent()).toBe("cart-42");
    expect(await item.locator("[data-col=size]").textContent()).toBe("25 B");
    expect(await item.locator("pre").isVisible()).toBe(false);
    await item.locator("tr.msg").click();
    await expect.poll(() => item.locator("pre").isVisible()).toBe(true);
    expect(await item.locator("pre").textContent()).toContain('"item": "tea"');
    // Found by its id and by its key too.
    await page.getByLabel("Value").fill(stored.msgId);
    await page.getByRole("button", { name: "Find" }).click();
    await page.waitForSelector(`#find-list tbody[data-msg-id="${stored.msgId}"]`);
    await page.screenshot({ path: `${SHOTS}messages.png`, fullPage: true });
    await page.context().close();
  });

  it("shows a message failed past maxReconsumeTimes in the dead letters, and redrives it from the page", async () => {
    const stored = await produce({ order: 7, item: "broken" }, "cart-7");
    await killMessage(stored.msgId);
    const page = await signedIn("dev-token", "/console/topics/orders");
    await page.waitForSelector("tr[data-group=billing]");
    await page.screenshot({ path: `${SHOTS}topic.png`, fullPage: true });
    await page.goto(`${broker.url}/console/topics/orders/groups/billing/dead-letters`);
    await page.waitForSelector("body[data-ready=true]");
    const row = page.locator(`tr[data-msg-id="${stored.msgId}"]`);
    expect(await row.locator("[data-col=reason]").textContent()).toBe("max_reconsume_times");
    expect(Number(await row.locator("[data-col=deliveries]").textContent())).toBe(2);
    await page.screenshot({ path: `${SHOTS}dead-letters.png`, fullPage: true });

    // By keyboard: the row's button, then the dialog's Confirm (after Cancel).
    await row.getByRole("button", { name: "Redrive" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector("dialog#confirm[open]");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#status").textContent()).toBe("Redriven 1 message.");
    await page.waitForSelector(`tr[data-msg-id="${stored.msgId}"]`, { state: "detached" });
    expect(await api.listDeadLetters("orders", "billing")).toEqual([]);
    // Delivered to the group again.
    const again = await api.receive("orders", "billing", { max: 100 });
    expect(again.map((m) => m.msgId)).toContain(stored.msgId);
    await api.ack(
      "orders",
      "billing",
      again.map((m) => m.receipt),
    );
    await page.context().close();
  });

  it("does not offer redrive to a token without admin, whose redrive the API refuses", async () => {
    const stored = await produce({ order: 8 }, "cart-8");
    await killMessage(stored.msgId);
    const page = await signedIn(
      "reader-token",
      "/console/topics/orders/groups/billing/dead-letters",
    );
    const row = page.locator(`tr[data-msg-id="${stored.msgId}"]`);
    expect(await row.locator("[data-col=reason]").textContent()).toBe("max_reconsume_times");
    expect(await page.getByRole("button", { name: /redrive/i }).count()).toBe(0);
    expect(await page.locator("#redrive-actions, .redrive-one, input[type=checkbox]").count()).toBe(
      0,
    );
    const refused = await page.evaluate(async () => {
      const res = await fetch("/v1/topics/orders/groups/billing/dlq/redrive", {
        method: "POST",
        headers: {
          authorization: `Bearer ${sessionStorage.getItem("edgeq-console-token")}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ limit: 10 }),
      });
      return { status: res.status, body: await res.json() };
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    expect((await api.listDeadLetters("orders", "billing")).map((d) => d.message.msgId)).toEqual([
      stored.msgId,
    ]);
    await page.context().close();
  });

  it("shows an ordered group's blocked keys, pauses and resumes it, and purges its backlog after a confirmation", async () => {
    const admin = { authorization: "Bearer dev-token", "content-type": "application/json" };
    const group = `${broker.url}/v1/topics/events/groups/ledger`;
    const put = await fetch(`${group}/settings`, {
      method: "PUT",
      headers: admin,
      body: JSON.stringify({ ordered: true }),
    });
    expect(put.status).toBe(200);
    await api.send("events", {
      messages: ["a1", "a2", "a3"].map((body) => ({ body, key: "acct-1" })),
    });
    const [first, ...rest] = await api.receive("events", "ledger", { max: 10 });
    expect([first?.body, rest.length]).toEqual(["a1", 0]);

    const page = await signedIn("dev-token", "/console/topics/events/groups/ledger");
    const key = page.locator('#blocked-keys tr[data-key="acct-1"]');
    expect(await key.locator("td").allTextContents()).toEqual([
      String(first!.queueId),
      "2",
      `offset ${first!.offset}, leased (delivered 1×)`,
    ]);
    expect(await page.locator("#group-settings").textContent()).toContain("ordered");

    await page.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => page.locator("#status").textContent()).toBe("Group ledger paused.");
    const paused = await (await fetch(`${group}/settings`, { headers: admin })).json();
    expect(paused).toEqual({ settings: { ordered: true, paused: true } });
    await page.getByRole("button", { name: "Resume" }).click();
    await expect.poll(() => page.locator("#status").textContent()).toBe("Group ledger resumed.");

    await page.getByRole("button", { name: "Purge backlog" }).click();
    await page.waitForSelector("dialog#confirm[open]");
    await page.locator("#confirm-ok").click();
    await expect
      .poll(() => page.locator("#status").textContent())
      .toBe("Purged 3 messages from group ledger.");
    await page.waitForSelector('#blocked-keys tr[data-key="acct-1"]', { state: "detached" });
    expect(await api.receive("events", "ledger", { max: 10 })).toEqual([]);

    // A group can be deleted too: it leaves the topic's stats, and the page goes to the topic.
    await page.getByRole("button", { name: "Delete group" }).click();
    await page.waitForSelector("dialog#confirm[open]");
    await page.locator("#confirm-ok").click();
    await page.waitForURL((url) => url.pathname === "/console/topics/events");
    expect(Object.keys((await api.stats("events")).groups)).not.toContain("ledger");
    await page.context().close();
  });

  it("browses a queue by offset a page at a time, and fits a phone's width", async () => {
    producerSeq += 25;
    const results = await api.send("orders", {
      producerId: "console-test",
      messages: Array.from({ length: 25 }, (_, i) => ({
        seq: producerSeq - 24 + i,
        body: { page: i },
        key: "paging",
      })),
    });
    const queueId = results[0]!.queueId;
    const from = results[0]!.offset!;
    // The queue's newest page loads as the page opens and as the queue is picked. Held
    // back until an offset is typed, its late answer must not undo the typing.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const newest = from + 5;
    const page = await signedIn("reader-token", "/console/topics/orders/messages", (page) =>
      page.route(/\/messages\?from=/, async (route) => {
        if (!route.request().url().includes(`from=${from}&`)) await released;
        await route.continue();
      }),
    );
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByLabel("Queue", { exact: true }).selectOption(String(queueId));
    await page.getByLabel("From offset").fill(String(from));
    release();
    await expect
      .poll(() => page.locator("#browse-pager span").textContent())
      .toContain(`Queue ${queueId}: offsets ${newest}–`);
    await page.getByRole("button", { name: "Show" }).click();
    const shown = () =>
      page.$$eval("#browse-list tbody", (items) => items.map((b) => b.getAttribute("data-msg-id")));
    await expect.poll(async () => (await shown())[0]).toBe(results[0]!.msgId);
    expect(await shown()).toEqual(results.slice(0, 20).map((r) => r.msgId));
    await page.getByRole("button", { name: "Next" }).click();
    await expect.poll(async () => (await shown())[0]).toBe(results[20]!.msgId);
    expect((await shown()).slice(0, 5)).toEqual(results.slice(20).map((r) => r.msgId));
    await page.getByRole("button", { name: "Previous" }).click();
    await expect.poll(async () => (await shown())[0]).toBe(results[0]!.msgId);
    // Nothing wider than the phone: long ids wrap, tables scroll inside their own box.
    for (const path of ["/console/topics/orders/messages", "/console/topics/orders", "/console"]) {
      await page.goto(`${broker.url}${path}`);
      await page.waitForSelector("body[data-ready=true]");
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
        path,
      ).toBe(true);
    }
    await page.screenshot({ path: `${SHOTS}topics-phone.png`, fullPage: true });
    await page.context().close();
  });

  it("commits a transaction awaiting a decision from the transactions page", async () => {
    const res = await fetch(`${broker.url}/v1/topics/orders/messages`, {
      method: "POST",
      headers: { authorization: "Bearer dev-token", "content-type": "application/json" },
      body: JSON.stringify({
        producerId: "console-tx",
        transactional: true,
        messages: [{ seq: 1, body: { order: 77 }, key: "tx-77" }],
      }),
    });
    const { txId } = (await res.json()) as { txId: string };
    expect(await api.queryByKey("orders", "tx-77")).toEqual([]);
    const page = await signedIn("dev-token", "/console/topics/orders/transactions");
    const row = page.locator(`tr[data-tx-id="${txId}"]`);
    expect(await row.locator("td").nth(0).textContent()).toBe("console-tx");
    await row.getByRole("button", { name: "Commit" }).click();
    await page.locator("#confirm-ok").click();
    await expect
      .poll(() => page.locator("#status").textContent())
      .toBe(`Transaction ${txId} is committed.`);
    await page.waitForSelector(`tr[data-tx-id="${txId}"]`, { state: "detached" });
    expect((await api.queryByKey("orders", "tx-77")).map((m) => m.body)).toEqual([{ order: 77 }]);
    await page.context().close();
  });

  it("edits a topic's settings in human units, and shows the API's refusal at its field, changing nothing", async () => {
    const page = await signedIn("dev-token", "/console/topics/tunable");
    const field = (name: string) => page.locator(`#settings [name=${name}]`);
    const error = (name: string) =>
      page.locator(`#settings [data-field=${name}] .error`).textContent();
    const save = () => page.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => field("retentionMs").inputValue()).toBe("7 d");
    const topic = async () =>
      (await (
        await fetch(`${broker.url}/v1/topics/tunable`, {
          headers: { authorization: "Bearer dev-token" },
        })
      ).json()) as { settings: Record<string, unknown> };
    // Saved untouched, every setting reads back as it was: nothing changes.
    const original = (await topic()).settings;
    await save();
    await expect.poll(() => page.locator("#settings .saved").textContent()).toContain("Saved");
    expect((await topic()).settings).toEqual(original);
    await field("retentionMs").fill("2 d");
    await field("maxReconsumeTimes").fill("5");
    await field("maxMessages").fill("10000");
    await save();
    await expect.poll(() => page.locator("#settings .saved").textContent()).toContain("Saved");
    expect((await topic()).settings).toMatchObject({
      retentionMs: 2 * 86_400_000,
      maxReconsumeTimes: 5,
      maxMessages: 10_000,
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
    const before = (await topic()).settings;
    // A value the console cannot read is refused at its field; nothing is sent.
    await field("maxMessageBytes").fill("lots");
    await save();
    await expect.poll(() => error("maxMessageBytes")).toContain("is not a size");
    expect((await topic()).settings).toEqual(before);
    // One the API refuses (400, its field) is shown there; the broker changed nothing.
    await field("maxMessageBytes").fill("128 KiB");
    await field("maxReconsumeTimes").fill("-1");
    await save();
    await expect.poll(() => error("maxReconsumeTimes")).toMatch(/maxReconsumeTimes/);
    expect(await error("maxMessageBytes")).toBe("");
    expect((await topic()).settings).toEqual(before);
    // A change the queues cannot take (409: fewer queues), at its setting.
    await field("maxReconsumeTimes").fill("5");
    await field("queueCount").fill("1");
    await save();
    await expect.poll(() => error("queueCount")).not.toBe("");
    expect(await page.locator("#settings [data-error=form]").textContent()).toContain(
      "nothing was changed",
    );
    expect((await topic()).settings).toEqual(before);
    await page.context().close();
  });

  it("edits a group's settings, shows the API's refusal at its field, and resets its offsets to earliest, an offset, a time and latest after a confirmation", async () => {
    const first = await api.send("resets", {
      messages: Array.from({ length: 5 }, (_, i) => ({ body: { i } })),
    });
    // A moment after the first five were stored, before the next five.
    const at = Date.now() + 1;
    await expect.poll(() => Date.now()).toBeGreaterThan(at);
    await api.send("resets", {
      messages: Array.from({ length: 5 }, (_, i) => ({ body: { i: i + 5 } })),
    });
    expect(first.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    await api.commitOffsets("resets", "replay", { "0": 10 });
    const page = await signedIn("dev-token", "/console/topics/resets/groups/replay");
    const committed = () => page.locator("#group-queues tr[data-queue='0'] [data-col=committed]");
    await expect.poll(() => committed().textContent()).toBe("10");

    // Settings: saved through PUT …/settings, refused at the field the API names.
    const settings = page.locator("#group-settings-form");
    await settings.locator("[name=maxRetries]").fill("3");
    await settings.locator("[name=retryDelayMs]").fill("5 s");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => settings.locator(".saved").textContent()).toContain("Saved");
    const groupSettings = async () =>
      (await (
        await fetch(`${broker.url}/v1/topics/resets/groups/replay/settings`, {
          headers: { authorization: "Bearer dev-token" },
        })
      ).json()) as { settings: unknown };
    expect(await groupSettings()).toEqual({ settings: { maxRetries: 3, retryDelayMs: 5000 } });
    await settings.locator("[name='flow.parallelism']").fill("0");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await expect
      .poll(() => settings.locator("[data-field='flow.parallelism'] .error").textContent())
      .toMatch(/parallelism/);
    expect(await groupSettings()).toEqual({ settings: { maxRetries: 3, retryDelayMs: 5000 } });

    const reset = async (to: string, fill?: () => Promise<unknown>) => {
      await page.getByLabel("To", { exact: true }).selectOption(to);
      await fill?.();
      await page.getByRole("button", { name: "Reset…" }).click();
      await page.waitForSelector("dialog#confirm[open]");
      await page.locator("#confirm-ok").click();
    };
    const shown = () => page.locator("#reset-result").getAttribute("data-offsets");
    // Cancelled: nothing moves.
    await page.getByLabel("To", { exact: true }).selectOption("earliest");
    await page.getByRole("button", { name: "Reset…" }).click();
    await page.waitForSelector("dialog#confirm[open]");
    expect(await page.locator("#confirm-text").textContent()).toContain("queue 0 → 0");
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(await api.getOffsets("resets", "replay")).toEqual({ "0": 10 });

    await reset("earliest");
    await expect.poll(shown).toBe(JSON.stringify({ "0": 0 }));
    expect(await api.getOffsets("resets", "replay")).toEqual({ "0": 0 });
    await expect.poll(() => committed().textContent()).toBe("0");

    await reset("offset", async () => {
      await page.getByLabel("Queue", { exact: true }).selectOption("0");
      await page.getByLabel("Offset", { exact: true }).fill("7");
    });
    await expect.poll(shown).toBe(JSON.stringify({ "0": 7 }));
    expect(await api.getOffsets("resets", "replay")).toEqual({ "0": 7 });

    // To a time: the first message produced at or after it (GET …/offsets?at=).
    const local = await page.evaluate(
      (t) => new Date(t - new Date(t).getTimezoneOffset() * 60_000).toISOString().slice(0, 23),
      at,
    );
    await reset("time", () => page.getByLabel("Time", { exact: true }).fill(local));
    await expect.poll(shown).toBe(JSON.stringify({ "0": 5 }));
    expect(await api.getOffsets("resets", "replay")).toEqual({ "0": 5 });

    await reset("latest");
    await expect.poll(shown).toBe(JSON.stringify({ "0": 10 }));
    expect(await api.getOffsets("resets", "replay")).toEqual({ "0": 10 });

    // An offset past the head is the API's 416, said on the page; the offset stays.
    await page.getByLabel("To", { exact: true }).selectOption("offset");
    await page.getByLabel("Offset", { exact: true }).fill("99");
    await page.getByRole("button", { name: "Reset…" }).click();
    await page.locator("#confirm-ok").click();
    await expect.poll(() => page.locator("#reset-error").textContent()).toContain("past the head");
    expect(await api.getOffsets("resets", "replay")).toEqual({ "0": 10 });
    await page.screenshot({ path: `${SHOTS}group.png`, fullPage: true });
    await page.context().close();
  });

  it("purges a topic after a confirmation", async () => {
    await api.send("purgeable", {
      messages: ["a", "b", "c", "d"].map((body) => ({ body, key: body })),
    });
    const page = await signedIn("dev-token", "/console/topics/purgeable");
    await page.getByRole("button", { name: "Purge topic" }).click();
    await page.waitForSelector("dialog#confirm[open]");
    await page.locator("#confirm-ok").click();
    await expect
      .poll(() => page.locator("#status").textContent())
      .toBe("Purged 4 messages from topic purgeable.");
    const stats = await api.stats("purgeable");
    expect(stats.queues.map((q) => q.headOffset - q.minOffset)).toEqual([0, 0]);
    expect(stats.queues.reduce((n, q) => n + q.headOffset, 0)).toBe(4);
    await page.context().close();
  });

  it("deletes dead letters for good after a confirmation, one and then all", async () => {
    // One at a time: killMessage acks every other message it leases.
    const one = await produce({ order: 9 }, "cart-9");
    await killMessage(one.msgId, "returns");
    const two = await produce({ order: 10 }, "cart-10");
    await killMessage(two.msgId, "returns");
    const three = await produce({ order: 11 }, "cart-11");
    await killMessage(three.msgId, "returns");
    const page = await signedIn("dev-token", "/console/topics/orders/groups/returns/dead-letters");
    const row = page.locator(`tr[data-msg-id="${one.msgId}"]`);
    await row.getByRole("button", { name: "Delete" }).click();
    await page.waitForSelector("dialog#confirm[open]");
    await page.locator("#confirm-ok").click();
    await expect.poll(() => page.locator("#status").textContent()).toBe("Deleted 1 dead letter.");
    await page.waitForSelector(`tr[data-msg-id="${one.msgId}"]`, { state: "detached" });
    const left = (await api.listDeadLetters("orders", "returns")).map((d) => d.message.msgId);
    expect(left).toEqual([two.msgId, three.msgId]);
    await page.getByRole("button", { name: "Delete all" }).click();
    await page.locator("#confirm-ok").click();
    await expect.poll(() => api.listDeadLetters("orders", "returns")).toEqual([]);
    await expect.poll(() => page.locator("#status").textContent()).toBe("Deleted 2 dead letters.");
    // Deleted, not redelivered: the group does not get them again.
    const again = await api.receive("orders", "returns", { max: 100 });
    expect(again.map((m) => m.msgId)).not.toContain(two.msgId);
    expect(again.map((m) => m.msgId)).not.toContain(three.msgId);
    if (again.length)
      await api.ack(
        "orders",
        "returns",
        again.map((m) => m.receipt),
      );
    await page.context().close();
  });

  it("says so when a topic does not exist, instead of empty tables", async () => {
    for (const path of ["/console/topics/nowhere", "/console/topics/nowhere/messages"]) {
      const page = await signedIn("dev-token", path, undefined, "error");
      expect(await page.locator("h1").textContent()).toBe("No topic named nowhere");
      expect(await page.locator("[data-error=not-found]").textContent()).toContain(
        "has no topic nowhere",
      );
      expect(await page.locator("table, #settings-notice").count()).toBe(0);
      expect(await page.locator("#status").textContent()).toBe("");
      await page.context().close();
    }
  });

  it("says so when the broker refuses the token: a topic it may not see (403), a token it no longer knows (401)", async () => {
    const page = await signedIn("orders-token", "/console/topics/events", undefined, "error");
    expect(await page.locator("h1").textContent()).toBe("This token may not see this");
    expect(await page.locator("[data-error=forbidden]").count()).toBe(1);
    expect(await page.locator("table").count()).toBe(0);
    await page.context().close();
    // A token the broker does not know (revoked since sign-in): back to sign-in, which says why.
    const context = await browser.newContext();
    await context.addInitScript(() => sessionStorage.setItem("edgeq-console-token", "revoked"));
    const tab = await context.newPage();
    await tab.goto(`${broker.url}/console/topics/orders`);
    await tab.waitForURL(/\/console\/sign-in\?next=.*reason=expired/);
    await expect
      .poll(() => tab.locator("#sign-in-error").textContent())
      .toContain("no longer accepts that token");
    await context.close();
  });

  it("charts lag per group with one legend entry each, on its own axis, apart from the rates, full from the broker's history", async () => {
    await api.send("charted", {
      messages: Array.from({ length: 6 }, (_, i) => ({ body: { i } })),
    });
    for (const [group, n] of [
      ["alpha", 2],
      ["beta", 1],
    ] as const) {
      const leased = await api.receive("charted", group, { max: n });
      await api.ack(
        "charted",
        group,
        leased.map((m) => m.receipt),
      );
    }
    const lags = Object.fromEntries(
      Object.entries((await api.stats("charted")).groups).map(([g, s]) => [g, s.lag]),
    );
    expect(lags).toEqual({ alpha: 4, beta: 5 });
    const page = await signedIn("reader-token", "/console/topics/charted");
    const legend = page.locator("#lag-chart .legend li");
    await expect
      .poll(() => legend.evaluateAll((items) => items.map((li) => li.dataset.series)))
      .toEqual(["alpha", "beta"]);
    expect(await legend.locator(".value").allTextContents()).toEqual(["4 messages", "5 messages"]);
    // One line per group; lag and rates on two charts, each with its unit on its axis.
    expect(await page.locator("#lag-chart polyline").count()).toBe(2);
    expect(await page.locator("#lag-chart .unit").textContent()).toBe("messages");
    expect(await page.locator("#rate-chart .unit").textContent()).toBe("msg/s");
    expect(
      await page
        .locator("#rate-chart .legend li")
        .evaluateAll((items) => items.map((li) => li.dataset.series)),
    ).toEqual(["produced", "delivered to alpha", "delivered to beta"]);
    // Axes: round ticks up from 0 on the lag axis, clock times on the time axis.
    const ticks = await page.locator("#lag-chart .tick").allTextContents();
    expect(ticks[0]).toBe("0");
    expect(ticks.some((t) => /^\d\d:\d\d$/.test(t))).toBe(true);
    // Full at once: the broker's last 15 minutes come before the first live sample.
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            document.querySelector("#lag-chart polyline")?.getAttribute("points")?.split(" ")
              .length ?? 0,
        ),
      )
      .toBeGreaterThanOrEqual(14);
    expect(await page.locator("#lag-chart figcaption").textContent()).toContain("last 15 min");
    await page.context().close();
  });
});
