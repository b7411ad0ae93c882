import { describe, expect, it } from "vitest";
import {
  type Grant,
  grantsAllow,
  grantsProblem,
  groupSubject,
  type Right,
} from "../src/http/auth/grants.js";

describe("groupSubject: a subject as {sub} writes it into a group name", () => {
  it.each([
    ["alice", "alice"],
    ["alice-bob", "alice_2dbob"],
    ["a.b@x.io", "a_2eb_40x_2eio"],
    ["*", "_2a"],
    ["_", "_5f"],
    ["{sub}", "_7bsub_7d"],
    ["é", "_c3_a9"],
    ["auth0|5f1c", "auth0_7c5f1c"],
  ])("%s → %s", (subject, escaped) => {
    expect(groupSubject(subject)).toBe(escaped);
    // Only the group-name alphabet, and never the characters that end {sub} in a pattern.
    expect(escaped).toMatch(/^[A-Za-z0-9_]+$/);
  });

  it("is one-to-one over subjects that differ by a separator or an escape", () => {
    const subjects = ["ab", "a-b", "a_b", "a_2db", "a.b", "a b", "a*b", "A-B"];
    expect(new Set(subjects.map(groupSubject)).size).toBe(subjects.length);
  });
});

describe("grantsProblem: where {sub} may stand", () => {
  const grants = (groups: string): Grant[] => [{ topics: "t", rights: ["consume"], groups }];
  it.each(["user-{sub}-*", "user-{sub}", "{sub}.inbox", "*", "team-*", "exact"])(
    "takes %s",
    (groups) => expect(grantsProblem(grants(groups))).toBeUndefined(),
  );
  it.each(["user-{sub}*", "user-{sub}_x", "u{sub}a", "{sub}-{sub}", "x-{sub}{sub}"])(
    "refuses %s",
    (groups) => expect(grantsProblem(grants(groups))).toMatch(/\{sub\}/),
  );
  it("refuses what is not a grant list", () => {
    for (const value of [
      null,
      {},
      "x",
      [null],
      [[]],
      [{ topics: "t" }],
      [{ topics: "t", rights: ["root"] }],
    ])
      expect(grantsProblem(value)).toBeTypeOf("string");
  });
});

describe("grantsAllow: a group-scoped grant acts only through its groups", () => {
  const RIGHTS: Right[] = ["produce", "consume", "admin"];
  const scoped: Grant[] = [{ topics: "t*", rights: RIGHTS, groups: "user-{sub}-*" }];
  const whole: Grant[] = [{ topics: "t*", rights: RIGHTS }];

  it.each(RIGHTS)(
    "without a group: %s needs a grant without groups (produce excepted)",
    (right) => {
      expect(grantsAllow(whole, { topic: "t1", right })).toBe(true);
      expect(grantsAllow(scoped, { topic: "t1", right }, "alice")).toBe(right === "produce");
    },
  );

  it.each(RIGHTS)("through a group: %s follows the pattern with the escaped subject", (right) => {
    const allow = (group: string, subject: string) =>
      grantsAllow(scoped, { topic: "t1", right, group }, subject);
    expect(allow("user-alice-inbox", "alice")).toBe(true);
    // alice-bob's group is user-alice_2dbob-…: alice's pattern reaches neither it nor the raw form.
    expect(allow("user-alice_2dbob-inbox", "alice")).toBe(false);
    expect(allow("user-alice_2dbob-inbox", "alice-bob")).toBe(true);
    expect(allow("user-alice-bob-inbox", "alice-bob")).toBe(false);
    // A subject "*" is a literal, never a wildcard.
    expect(allow("user-alice-inbox", "*")).toBe(false);
    expect(allow("user-_2a-inbox", "*")).toBe(true);
    // Without a subject (a static token) a {sub} pattern matches nothing.
    expect(grantsAllow(scoped, { topic: "t1", right, group: "user--inbox" })).toBe(false);
    // Another topic is never covered.
    expect(grantsAllow(scoped, { topic: "x", right, group: "user-alice-inbox" }, "alice")).toBe(
      false,
    );
  });
});
