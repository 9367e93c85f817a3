// The studio's small chart module: bar, line and donut charts drawn as SVG, each with its axes
// or legend, labels, a text summary for screen readers and the figures as a table beside it.
// Figures are `[{label, value}]`; `format(value)` writes a value as the chart should say it.

import { element } from "./dom.js";

const svgNS = "http://www.w3.org/2000/svg";
// Distinct categories (a donut's slices): colours told apart in both themes.
const palette = ["#2f6fb0", "#c4622d", "#3f8f4f", "#8a5cc2", "#b8860b", "#c2417a", "#5f7380"];
// One series is one colour.
const seriesColour = "#2f6fb0";
// Ordered levels share one ordered palette, light to dark, so "critical" reads as the most.
const levelOrder = ["none", "low", "medium", "moderate", "high", "critical"];
const levelColours = { none: "#c9d6df", low: "#f6c667", medium: "#ee9a3a", moderate: "#ee9a3a", high: "#d4541f", critical: "#8f1d14" };

/** Whether every label is a level of `levelOrder` (risk, priority): then they are drawn in order. */
function isLevels(figures) {
  return figures.length > 1 && figures.every((item) => levelOrder.includes(String(item.label).toLowerCase()));
}

/** Levels sorted low → critical; other figures as they come. */
function ordered(figures) {
  if (!isLevels(figures)) return figures;
  return [...figures].sort((a, b) => levelOrder.indexOf(a.label.toLowerCase()) - levelOrder.indexOf(b.label.toLowerCase()));
}

function colourOf(figures, item, index, single) {
  if (isLevels(figures)) return levelColours[String(item.label).toLowerCase()];
  return single ? seriesColour : palette[index % palette.length];
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(svgNS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A chart: the SVG, labelled by a summary, and the table of its figures beneath. */
function figure(title, figures, format, drawing) {
  const summary = `${title}: ${figures.map((item) => `${item.label} ${format(item.value)}`).join(", ")}`;
  drawing.setAttribute("role", "img");
  drawing.setAttribute("aria-label", summary);
  drawing.prepend(svg("title", {}, summary));
  return element("figure", { class: "chart" },
    drawing,
    element("details", { class: "chart-table" },
      element("summary", {}, "Figures as a table"),
      table(["", title], figures.map((item) => [item.label, format(item.value)]))));
}

export function table(headings, rows) {
  return element("table", { class: "data-table" },
    element("thead", {}, element("tr", {}, headings.map((heading) => element("th", { scope: "col" }, heading)))),
    element("tbody", {}, rows.map((row) => element("tr", {}, row.map((cell, index) =>
      index === 0 ? element("th", { scope: "row" }, cell) : element("td", {}, cell))))));
}

/** Round steps for an axis from 0 to at least `maximum`: 1, 2 or 5 times a power of ten. */
function ticks(maximum, count = 4) {
  if (!(maximum > 0)) return [0, 1];
  const rough = maximum / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough);
  const values = [];
  for (let value = 0; value < maximum + step / 2; value += step) values.push(value);
  if (values.at(-1) < maximum) values.push(values.at(-1) + step);
  return values;
}

/**
 * The drawing's width in SVG units. A chart is scaled to its column, so on a phone a 480-unit
 * drawing would shrink its 11-unit text to about 7 px: narrow screens get a narrower drawing,
 * which keeps the text near its size and turns labels sooner.
 */
function chartWidth() {
  return window.matchMedia("(max-width: 600px)").matches ? 340 : 480;
}

export function barChart(title, figures, format = String) {
  figures = ordered(figures);
  // Labels that do not fit their band are turned and, past 22 characters, shortened; the full
  // label is in each bar's tooltip and in the table beneath.
  const longest = Math.max(0, ...figures.map((item) => String(item.label).length));
  const width = chartWidth(), left = 72, top = 12, right = 12;
  const band = (width - left - right) / Math.max(1, figures.length);
  const turned = longest * 6.2 > band - 4;
  const shown = (label) => (turned && label.length > 22 ? `${label.slice(0, 21)}…` : label);
  const bottom = turned ? 16 + Math.min(22, longest) * 4.6 : 30;
  const height = 200 + bottom;
  const axis = ticks(Math.max(0, ...figures.map((item) => item.value)));
  const ceiling = axis.at(-1) || 1;
  const plotHeight = height - top - bottom;
  const y = (value) => top + plotHeight - (Math.max(0, value) / ceiling) * plotHeight;
  const drawing = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart-svg" },
    axis.map((value) => svg("g", { class: "tick" },
      svg("line", { x1: left, x2: width - right, y1: y(value), y2: y(value), class: "grid" }),
      svg("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end" }, format(value)))),
    figures.map((item, index) => {
      const centre = left + index * band + band / 2;
      const base = top + plotHeight;
      const label = String(item.label);
      return svg("g", { class: "bar" },
        svg("title", {}, `${label}: ${format(item.value)}`),
        svg("rect", { x: left + index * band + band * 0.15, y: y(item.value), width: band * 0.7,
                      height: Math.max(0, base - y(item.value)), fill: colourOf(figures, item, index, true) }),
        turned
          ? svg("text", { x: centre, y: base + 12, "text-anchor": "end", transform: `rotate(-40 ${centre} ${base + 12})` }, shown(label))
          : svg("text", { x: centre, y: base + 16, "text-anchor": "middle" }, label));
    }),
    svg("line", { x1: left, x2: left, y1: top, y2: top + plotHeight, class: "axis" }),
    svg("line", { x1: left, x2: width - right, y1: top + plotHeight, y2: top + plotHeight, class: "axis" }));
  return figure(title, figures, format, drawing);
}

export function lineChart(title, figures, format = String) {
  const width = chartWidth(), height = 240, left = 72, bottom = 44, top = 12, right = 16;
  const values = figures.map((item) => item.value);
  const axis = ticks(Math.max(0, ...values));
  const ceiling = axis.at(-1) || 1;
  const plotHeight = height - top - bottom, plotWidth = width - left - right;
  const x = (index) => left + (figures.length <= 1 ? plotWidth / 2 : (index / (figures.length - 1)) * plotWidth);
  const y = (value) => top + plotHeight - (Math.max(0, value) / ceiling) * plotHeight;
  // Every label when they fit, else about eight of them.
  const every = Math.max(1, Math.ceil(figures.length / 8));
  const drawing = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart-svg" },
    axis.map((value) => svg("g", { class: "tick" },
      svg("line", { x1: left, x2: width - right, y1: y(value), y2: y(value), class: "grid" }),
      svg("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end" }, format(value)))),
    svg("polyline", { class: "line", fill: "none", stroke: seriesColour, "stroke-width": 2,
                      points: figures.map((item, index) => `${x(index)},${y(item.value)}`).join(" ") }),
    figures.map((item, index) => svg("circle", { cx: x(index), cy: y(item.value), r: 3, fill: seriesColour })),
    figures.map((item, index) => (index % every === 0
      ? svg("text", { x: x(index), y: height - bottom + 16, "text-anchor": "middle" }, item.label) : null)),
    svg("line", { x1: left, x2: left, y1: top, y2: top + plotHeight, class: "axis" }),
    svg("line", { x1: left, x2: width - right, y1: top + plotHeight, y2: top + plotHeight, class: "axis" }));
  return figure(title, figures, format, drawing);
}

export function donutChart(title, figures, format = String) {
  figures = ordered(figures);
  const size = 200, radius = 80, thickness = 28;
  const total = figures.reduce((sum, item) => sum + Math.max(0, item.value), 0);
  let angle = -Math.PI / 2;
  const colours = figures.map((item, index) => colourOf(figures, item, index, false));
  const arcs = figures.map((item, index) => {
    const share = total > 0 ? Math.max(0, item.value) / total : 0;
    const start = angle;
    angle += share * 2 * Math.PI;
    if (share === 0) return null;
    const colour = colours[index];
    const tip = svg("title", {}, `${item.label}: ${format(item.value)}`);
    // A whole circle cannot be one arc: it is drawn as a ring.
    if (share >= 0.9999) return svg("circle", { cx: size / 2, cy: size / 2, r: radius, fill: "none", stroke: colour, "stroke-width": thickness }, tip);
    const point = (theta) => `${size / 2 + radius * Math.cos(theta)},${size / 2 + radius * Math.sin(theta)}`;
    return svg("path", { d: `M ${point(start)} A ${radius} ${radius} 0 ${share > 0.5 ? 1 : 0} 1 ${point(angle)}`,
                         fill: "none", stroke: colour, "stroke-width": thickness }, tip);
  });
  const drawing = svg("svg", { viewBox: `0 0 ${size} ${size}`, class: "chart-svg donut" },
    arcs,
    svg("text", { x: size / 2, y: size / 2 + 5, "text-anchor": "middle", class: "donut-total" }, format(total)));
  // The legend is text beside the ring, so that long labels wrap instead of being cut.
  const legend = element("ul", { class: "chart-legend", "aria-hidden": "true" }, figures.map((item, index) =>
    element("li", {}, svg("svg", { class: "swatch", width: 12, height: 12, viewBox: "0 0 12 12" },
      svg("rect", { width: 12, height: 12, rx: 2, fill: colours[index] })), `${item.label}: ${format(item.value)}`)));
  const chart = figure(title, figures, format, drawing);
  const row = element("div", { class: "donut-row" });
  chart.insertBefore(row, drawing);
  row.append(drawing, legend);
  return chart;
}
