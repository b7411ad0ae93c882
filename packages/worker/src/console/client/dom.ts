type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** An element with attributes (`on…` functions become listeners) and children; text is never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else if (value !== false && value !== undefined) el.setAttribute(name, String(value));
  }
  for (const child of children)
    if (child !== null && child !== undefined && child !== false)
      el.append(typeof child === "number" ? String(child) : child);
  return el;
}

export const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (!el) throw new Error(`console: no ${selector} on this page`);
  return el;
};

/** Says something in the page's live region (read out by screen readers). */
export function say(text: string): void {
  $("#status").textContent = text;
}

/** Fills a table's body; an empty list shows `empty` in one cell across. */
export function fillTable(
  table: HTMLTableElement,
  rows: HTMLTableRowElement[],
  empty: string,
): void {
  const body = table.tBodies[0]!;
  const width = table.tHead?.rows[0]?.cells.length ?? 1;
  body.replaceChildren(...(rows.length ? rows : [h("tr", {}, h("td", { colspan: width }, empty))]));
}

/** Asks in the modal dialog; resolves true only when the operator confirms. */
export function confirmAction(question: string, confirmLabel: string): Promise<boolean> {
  const dialog = $<HTMLDialogElement>("#confirm");
  $("#confirm-text").textContent = question;
  $("#confirm-ok").textContent = confirmLabel;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

/** Previous / next buttons of a server-rendered pager, and its label. */
export class Pager {
  private readonly label: HTMLElement;
  private readonly prev: HTMLButtonElement;
  private readonly next: HTMLButtonElement;

  constructor(nav: HTMLElement, move: (direction: -1 | 1) => void) {
    this.label = nav.querySelector("span")!;
    this.prev = nav.querySelector("[data-dir=prev]")!;
    this.next = nav.querySelector("[data-dir=next]")!;
    this.prev.addEventListener("click", () => move(-1));
    this.next.addEventListener("click", () => move(1));
  }

  set(label: string, canPrev: boolean, canNext: boolean): void {
    this.label.textContent = label;
    this.prev.disabled = !canPrev;
    this.next.disabled = !canNext;
  }
}

/** Shows a list `size` items at a time with a pager; returns a function that replaces the list. */
export function pagedList<T>(
  nav: HTMLElement,
  size: number,
  show: (items: T[]) => void,
): (items: T[]) => void {
  let items: T[] = [];
  let page = 0;
  const render = () => {
    const pages = Math.max(1, Math.ceil(items.length / size));
    page = Math.min(page, pages - 1);
    show(items.slice(page * size, (page + 1) * size));
    pager.set(`Page ${page + 1} of ${pages}`, page > 0, page < pages - 1);
  };
  const pager = new Pager(nav, (direction) => {
    page += direction;
    render();
  });
  return (next) => {
    items = next;
    render();
  };
}
