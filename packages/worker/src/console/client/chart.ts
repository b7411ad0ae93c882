// Hand-written SVG rather than uPlot: the console needs two small time-series
// charts (a few lines each, redrawn every 2 s), which take ~150 lines here;
// uPlot (~50 KB minified, more than the rest of the console script) would be
// the larger part of what every operator downloads, and it draws on a
// canvas, which a screen reader and the tests cannot read. Here each line is
// an element with its series' name, and the legend is text with each value.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 200;
const LEFT = 64;
const RIGHT = 12;
const TOP = 10;
const BOTTOM = 26;
/** Distinct hues with 3:1 contrast or more on white, then dashes tell lines apart beyond them. */
const COLOURS = ["#b45309", "#1d4ed8", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f"];
const DASHES = ["", "6 3", "2 3"];

/** One line: its name and its points, `[time (ms), value]`, oldest first. */
export interface Series {
  name: string;
  points: Array<[number, number]>;
}

export interface ChartOptions {
  /** What the y axis counts, said on it and in the legend: "messages", "msg/s". */
  unit: string;
  /** A value as the axis and legend write it. */
  format: (value: number) => string;
  label: string;
  /** The time the x axis spans, ending now. */
  windowMs: number;
}

const svg = <K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
};

/** A round step (1, 2 or 5 × 10^n) giving about `count` intervals up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

const TIME_STEPS = [15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000];

const clock = (ms: number, seconds: boolean) =>
  new Date(ms).toLocaleTimeString("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  });

/**
 * A time-series chart on its own scale: a y axis from 0 with round ticks in
 * `unit`, a time axis with clock labels, one line per series, and a legend
 * (one entry per series, with its latest value), so nothing of two different
 * units ever shares an axis.
 */
export function drawChart(figure: HTMLElement, series: Series[], options: ChartOptions): void {
  const all = series.flatMap((s) => s.points);
  const now = Math.max(Date.now(), ...all.map(([t]) => t));
  const start = now - options.windowMs;
  const top = Math.max(1, ...all.map(([, v]) => v));
  const yStep = niceStep(top, 4);
  const yMax = Math.ceil(top / yStep) * yStep;
  const w = WIDTH - LEFT - RIGHT;
  const hgt = HEIGHT - TOP - BOTTOM;
  const x = (t: number) => LEFT + (Math.max(0, t - start) / Math.max(1, now - start)) * w;
  const y = (v: number) => TOP + hgt - (v / yMax) * hgt;
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": options.label,
  });
  for (let v = 0; v <= yMax + yStep / 2; v += yStep) {
    chart.append(
      svg("line", { class: "grid", x1: LEFT, x2: WIDTH - RIGHT, y1: y(v), y2: y(v) }),
      svg(
        "text",
        { class: "tick", x: LEFT - 6, y: y(v) + 4, "text-anchor": "end" },
        options.format(v),
      ),
    );
  }
  chart.append(
    svg(
      "text",
      {
        class: "unit",
        x: 12,
        y: TOP + hgt / 2,
        transform: `rotate(-90 12 ${TOP + hgt / 2})`,
        "text-anchor": "middle",
      },
      options.unit,
    ),
  );
  const span = now - start;
  const tStep = TIME_STEPS.find((s) => span / s <= 6) ?? 3_600_000;
  for (let t = Math.ceil(start / tStep) * tStep; t <= now; t += tStep)
    chart.append(
      svg("line", { class: "grid", x1: x(t), x2: x(t), y1: TOP, y2: TOP + hgt }),
      svg(
        "text",
        { class: "tick", x: x(t), y: HEIGHT - 8, "text-anchor": "middle" },
        clock(t, tStep < 60_000),
      ),
    );
  chart.append(svg("line", { class: "axis", x1: LEFT, x2: WIDTH - RIGHT, y1: y(0), y2: y(0) }));
  const legend = document.createElement("ul");
  legend.className = "legend";
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const dash = DASHES[Math.floor(i / COLOURS.length) % DASHES.length]!;
    chart.append(
      svg("polyline", {
        "data-series": s.name,
        stroke: colour,
        ...(dash ? { "stroke-dasharray": dash } : {}),
        points: s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
      }),
    );
    const last = s.points.at(-1)?.[1];
    const item = document.createElement("li");
    item.dataset.series = s.name;
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.borderColor = colour;
    if (dash) swatch.style.borderStyle = "dashed";
    const value = document.createElement("span");
    value.className = "value";
    value.textContent = last === undefined ? "–" : `${options.format(last)} ${options.unit}`;
    item.append(swatch, `${s.name} `, value);
    legend.append(item);
  });
  if (series.length === 0) {
    const item = document.createElement("li");
    item.textContent = "Nothing to draw yet.";
    legend.append(item);
  }
  const minutes = Math.round(span / 60_000);
  const caption = document.createElement("figcaption");
  caption.textContent = `${options.label}, the last ${minutes} min (${options.unit}).`;
  figure.replaceChildren(caption, chart, legend);
}
