// The studio's small chart module: bar, line and donut charts drawn as SVG, each with its axes
// or legend, labels, a text summary for screen readers and the figures as a table beside it.
// Figures are `[{label, value}]`; `format(value)` writes a value as the chart should say it.

import { element } from "./dom.js";

const svgNS = "http://www.w3.org/2000/svg";
const palette = ["#1f4e79", "#b3261e", "#7a5200", "#1e6b34", "#4a2d7a", "#8a3b00", "#59636e"];

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

export function barChart(title, figures, format = String) {
  const width = 480, height = 240, left = 64, bottom = 44, top = 12, right = 12;
  const axis = ticks(Math.max(0, ...figures.map((item) => item.value)));
  const ceiling = axis.at(-1) || 1;
  const plotHeight = height - top - bottom, plotWidth = width - left - right;
  const band = plotWidth / Math.max(1, figures.length);
  const y = (value) => top + plotHeight - (Math.max(0, value) / ceiling) * plotHeight;
  const drawing = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart-svg" },
    axis.map((value) => svg("g", { class: "tick" },
      svg("line", { x1: left, x2: width - right, y1: y(value), y2: y(value), class: "grid" }),
      svg("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end" }, format(value)))),
    figures.map((item, index) => svg("g", { class: "bar" },
      svg("rect", { x: left + index * band + band * 0.15, y: y(item.value), width: band * 0.7,
                    height: Math.max(0, top + plotHeight - y(item.value)), fill: palette[index % palette.length] }),
      svg("text", { x: left + index * band + band / 2, y: height - bottom + 16, "text-anchor": "middle" }, shorten(item.label, band)))),
    svg("line", { x1: left, x2: left, y1: top, y2: top + plotHeight, class: "axis" }),
    svg("line", { x1: left, x2: width - right, y1: top + plotHeight, y2: top + plotHeight, class: "axis" }));
  return figure(title, figures, format, drawing);
}

export function lineChart(title, figures, format = String) {
  const width = 480, height = 240, left = 64, bottom = 44, top = 12, right = 16;
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
    svg("polyline", { class: "line", fill: "none", stroke: palette[0], "stroke-width": 2,
                      points: figures.map((item, index) => `${x(index)},${y(item.value)}`).join(" ") }),
    figures.map((item, index) => svg("circle", { cx: x(index), cy: y(item.value), r: 3, fill: palette[0] })),
    figures.map((item, index) => (index % every === 0
      ? svg("text", { x: x(index), y: height - bottom + 16, "text-anchor": "middle" }, item.label) : null)),
    svg("line", { x1: left, x2: left, y1: top, y2: top + plotHeight, class: "axis" }),
    svg("line", { x1: left, x2: width - right, y1: top + plotHeight, y2: top + plotHeight, class: "axis" }));
  return figure(title, figures, format, drawing);
}

export function donutChart(title, figures, format = String) {
  const size = 200, radius = 80, thickness = 28;
  const total = figures.reduce((sum, item) => sum + Math.max(0, item.value), 0);
  let angle = -Math.PI / 2;
  const arcs = figures.map((item, index) => {
    const share = total > 0 ? Math.max(0, item.value) / total : 0;
    const start = angle;
    angle += share * 2 * Math.PI;
    if (share === 0) return null;
    const colour = palette[index % palette.length];
    // A whole circle cannot be one arc: it is drawn as a ring.
    if (share >= 0.9999) return svg("circle", { cx: size / 2, cy: size / 2, r: radius, fill: "none", stroke: colour, "stroke-width": thickness });
    const point = (theta) => `${size / 2 + radius * Math.cos(theta)},${size / 2 + radius * Math.sin(theta)}`;
    return svg("path", { d: `M ${point(start)} A ${radius} ${radius} 0 ${share > 0.5 ? 1 : 0} 1 ${point(angle)}`,
                         fill: "none", stroke: colour, "stroke-width": thickness });
  });
  const drawing = svg("svg", { viewBox: `0 0 ${size + 170} ${size}`, class: "chart-svg donut" },
    arcs,
    svg("text", { x: size / 2, y: size / 2 + 5, "text-anchor": "middle", class: "donut-total" }, format(total)),
    figures.map((item, index) => svg("g", { class: "legend" },
      svg("rect", { x: size + 12, y: 24 + index * 24, width: 14, height: 14, fill: palette[index % palette.length] }),
      svg("text", { x: size + 32, y: 36 + index * 24 }, `${item.label}: ${format(item.value)}`))));
  return figure(title, figures, format, drawing);
}

function shorten(label, room) {
  const fits = Math.max(4, Math.floor(room / 7));
  return label.length > fits ? `${label.slice(0, fits - 1)}…` : label;
}
