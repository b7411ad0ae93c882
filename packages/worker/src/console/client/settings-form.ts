import { ApiError } from "./api.js";
import { h } from "./dom.js";
import {
  exactBytes,
  exactDuration,
  NO_LIMIT,
  parseBytes,
  parseDuration,
  parseNumber,
  UnitError,
} from "./format.js";

/** How a setting is written in the form. */
export type FieldKind = "duration" | "bytes" | "number" | "durations" | "text" | "json" | "bool";

export interface FieldSpec {
  /** The setting's path in the settings object: `flow.parallelism`. */
  name: string;
  kind: FieldKind;
  /** Left empty, the setting is left out (its default applies). */
  optional?: boolean;
  hint?: string;
}

type Settings = Record<string, unknown>;

const MAX = Number.MAX_SAFE_INTEGER;

function toText(kind: FieldKind, value: unknown): string {
  if (value === undefined) return "";
  if (value === MAX) return NO_LIMIT;
  switch (kind) {
    case "duration":
      return exactDuration(value as number);
    case "bytes":
      return exactBytes(value as number);
    case "durations":
      return (value as number[]).map(exactDuration).join(", ");
    case "json":
      return JSON.stringify(value);
    default:
      return String(value);
  }
}

function fromText(kind: FieldKind, text: string): unknown {
  switch (kind) {
    case "duration":
      return parseDuration(text);
    case "bytes":
      return parseBytes(text);
    case "number":
      return parseNumber(text);
    case "durations":
      return text.split(",").map(parseDuration);
    case "json":
      try {
        return JSON.parse(text);
      } catch {
        throw new UnitError("not JSON: write a JSON value, such as {} or [1, 2]");
      }
    default:
      return text.trim();
  }
}

const getPath = (o: Settings, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v as Settings | undefined)?.[k], o);

function setPath(o: Settings, path: string, value: unknown): void {
  const keys = path.split(".");
  let at = o;
  for (const k of keys.slice(0, -1)) {
    at[k] ??= {};
    at = at[k] as Settings;
  }
  at[keys.at(-1)!] = value;
}

/**
 * An editable settings form. The API is the validator: the form only turns
 * human units (7 d, 128 KiB, "no limit") into numbers, refusing at the field
 * what it cannot read, and sends the whole settings object; a 4xx answer is
 * shown at the field it names (`error.field`), and the broker changed nothing.
 * `keep` is merged in first: settings the form does not edit (a group's `paused`).
 */
export function settingsForm(
  form: HTMLFormElement,
  specs: FieldSpec[],
  save: (settings: Settings) => Promise<Settings>,
  keep: (current: Settings) => Settings = () => ({}),
): (settings: Settings) => void {
  let current: Settings = {};
  const inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement>();
  const errors = new Map<string, HTMLElement>();
  const formError = h("p", { class: "error", role: "alert", "data-error": "form" });
  const saved = h("p", { class: "saved", role: "status" });
  const fields = specs.map((spec) => {
    const id = `${form.id}-${spec.name.replace(/\W/g, "-")}`;
    const input =
      spec.kind === "json"
        ? h("textarea", { id, name: spec.name, rows: 2, spellcheck: "false" })
        : h("input", {
            id,
            name: spec.name,
            type: spec.kind === "bool" ? "checkbox" : "text",
            autocomplete: "off",
            ...(spec.optional ? { placeholder: "default" } : {}),
          });
    const error = h("p", { class: "error", role: "alert", id: `${id}-error` });
    input.setAttribute("aria-describedby", `${id}-error`);
    inputs.set(spec.name, input);
    errors.set(spec.name, error);
    return h(
      "div",
      { class: "field", "data-field": spec.name },
      h("label", { for: id }, spec.name),
      input,
      spec.hint ? h("span", { class: "meta" }, spec.hint) : null,
      error,
    );
  });
  form.replaceChildren(
    h("div", { class: "fields" }, ...fields),
    formError,
    h("button", { type: "submit", class: "primary" }, "Save settings"),
    saved,
  );
  const show = (settings: Settings) => {
    current = settings;
    for (const spec of specs) {
      const input = inputs.get(spec.name)!;
      const value = getPath(settings, spec.name);
      if (input instanceof HTMLInputElement && spec.kind === "bool") input.checked = value === true;
      else input.value = toText(spec.kind, value);
      input.dataset.value = JSON.stringify(value ?? null);
    }
  };
  const clear = () => {
    for (const e of [...errors.values(), formError, saved]) e.textContent = "";
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear();
    const next: Settings = keep(current);
    let refused = false;
    for (const spec of specs) {
      const input = inputs.get(spec.name)!;
      if (input instanceof HTMLInputElement && spec.kind === "bool") {
        if (input.checked) setPath(next, spec.name, true);
        continue;
      }
      if (input.value.trim() === "" && spec.optional) continue;
      try {
        setPath(next, spec.name, fromText(spec.kind, input.value));
      } catch (e) {
        if (!(e instanceof UnitError)) throw e;
        errors.get(spec.name)!.textContent = e.message;
        refused = true;
      }
    }
    if (refused) {
      formError.textContent = "Nothing was sent: correct the fields marked above.";
      return;
    }
    try {
      show(await save(next));
      saved.textContent = "Saved: these are the settings the broker now holds.";
    } catch (e) {
      if (!(e instanceof ApiError) || e.status >= 500) throw e;
      // The field the API names, or the setting that holds it (rateLimit.produce.burst → rateLimit).
      const spec =
        e.field === undefined
          ? undefined
          : (specs.find((s) => s.name === e.field) ??
            specs.find((s) => e.field!.startsWith(`${s.name}.`)));
      (spec ? errors.get(spec.name)! : formError).textContent = e.message;
      if (spec) formError.textContent = `The broker refused it (${e.code}): nothing was changed.`;
      else formError.textContent = `${e.message} (${e.code}): nothing was changed.`;
    }
  });
  return show;
}
