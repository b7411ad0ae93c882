const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 180;

/** One stats sample: when, the topic's total head offset, and its groups' total lag. */
export interface Sample {
  at: number;
  head: number;
  lag: number;
}

const svg = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string>) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
};

/** Points of `values` over the chart's width, scaled so `max` touches the top. */
function points(values: number[], max: number): string {
  const step = values.length > 1 ? WIDTH / (values.length - 1) : 0;
  return values
    .map(
      (v, i) => `${(i * step).toFixed(1)},${(HEIGHT - 4 - (v / max) * (HEIGHT - 24)).toFixed(1)}`,
    )
    .join(" ");
}

/**
 * Draws lag (solid) and produce rate (dashed, messages per second between two
 * samples) on their own scales, and writes the same numbers as text for
 * those who do not see the chart.
 */
export function drawChart(container: Element, summary: Element, samples: Sample[]): void {
  const rates = samples.slice(1).map((s, i) => {
    const before = samples[i]!;
    return ((s.head - before.head) * 1000) / Math.max(1, s.at - before.at);
  });
  const lags = samples.map((s) => s.lag);
  const maxLag = Math.max(1, ...lags);
  const maxRate = Math.max(1, ...rates);
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    preserveAspectRatio: "none",
    role: "img",
    "aria-label": "Lag and produce rate over time",
  });
  chart.append(
    svg("polyline", { class: "lag", points: points(lags, maxLag) }),
    svg("polyline", { class: "rate", points: points(rates, maxRate) }),
  );
  container.replaceChildren(chart);
  const minutes = samples.length > 1 ? (samples.at(-1)!.at - samples[0]!.at) / 60_000 : 0;
  summary.replaceChildren(
    Object.assign(document.createElement("span"), {
      className: "key-lag",
      textContent: `Lag ${lags.at(-1) ?? 0}`,
    }),
    " (solid) · ",
    Object.assign(document.createElement("span"), {
      className: "key-rate",
      textContent: `produce rate ${(rates.at(-1) ?? 0).toFixed(1)} msg/s`,
    }),
    ` (dashed) · over the last ${minutes.toFixed(1)} min; the top of the chart is lag ${maxLag}, ${maxRate.toFixed(1)} msg/s`,
  );
}
