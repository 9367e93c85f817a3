// An analytics dashboard's charts: each widget's GROQ query is run as the signed-in editor (so a
// role sees only what its view holds) and its answer drawn as the widget's kind says — a metric,
// a bar, line or donut chart, a table or a list — with money in the house currency.

import { query, SessionEnded } from "./api.js";
import { barChart, donutChart, lineChart, table } from "./charts.js";
import { debounce, element, replace } from "./dom.js";
import { humanise } from "./plainwords.js";

// The house keeps its figures in US dollars (orders in other currencies are added as they stand).
const houseCurrency = "USD";
const money = new Intl.NumberFormat("en-US", { style: "currency", currency: houseCurrency, maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });
// Members that hold money, and those that hold a share between 0 and 1.
const moneyNames = /forecast|value|revenue|spend|total|heuristic|price|amount/i;
const shareNames = /^(auc|accuracy|precision|recall|f1|probability|share|rate)$/i;
const moneyTitles = /revenue|spend|sales value|price/i;

export function formatFigure(name, value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value !== "number") return String(value);
  if (shareNames.test(name)) return percent.format(value);
  if (name === "change") return `${value > 0 ? "+" : ""}${decimal.format(value)}%`;
  if (moneyNames.test(name)) return money.format(value);
  return decimal.format(value);
}

export class DashboardView {
  constructor(editor) {
    this.editor = editor;
    this.cards = new Map();
    this.grid = element("div", { class: "widgets" });
    this.empty = element("p", { class: "pane-status" },
      "This dashboard has no widgets yet. Add one under Widgets below (a title, a GROQ query and a chart type), or run “Refresh dashboard” to add the analytics charts.");
    this.element = element("section", { class: "dashboard", "aria-labelledby": editor.idOf("dashboard-title") },
      element("h3", { id: editor.idOf("dashboard-title") }, "Charts"), this.empty, this.grid);
    // While widgets are edited, their charts follow once typing pauses: in the charts above,
    // and beside the widgets being written, where the editor is looking.
    this.preview = debounce((widgets) => {
      const edited = (widgets ?? []).find((widget, index) => widget?.query
        && this.cards.get(keyOf(widget, index))?.signature !== signatureOf(widget));
      this.render(widgets);
      if (edited) this.showEdited(edited);
    }, 700);
  }

  /**
   * Draws each widget with a query; a widget whose title, kind and query are unchanged keeps its
   * card, so editing one widget redraws that one only.
   */
  async render(widgets) {
    const list = (widgets ?? []).filter((widget) => widget?.query);
    this.empty.hidden = list.length > 0;
    const kept = new Map();
    const cards = list.map((widget, index) => {
      const signature = signatureOf(widget);
      const key = keyOf(widget, index);
      const existing = this.cards.get(key);
      if (existing && existing.signature === signature) {
        kept.set(key, existing);
        return existing.card;
      }
      const card = element("article", { class: "widget", "data-kind": widget.kind ?? "table", "data-key": widget._key ?? "" },
        element("h4", {}, widget.title || "Untitled widget"),
        element("p", { class: "pane-status", role: "status" }, "Loading…"));
      kept.set(key, { signature, card });
      this.fill(card, widget);
      return card;
    });
    this.cards = kept;
    this.grid.replaceChildren(...cards);
  }

  /** The chart of the widget being edited, drawn right after the widgets in the form. */
  showEdited(widget) {
    const frame = this.editor.container.querySelector('.field[data-path="widgets"]');
    if (!frame) return;
    if (!this.slot?.isConnected) {
      this.slot = element("section", { class: "widget-preview", "aria-label": "Preview of the widget being edited" });
      frame.after(this.slot);
    }
    const card = element("article", { class: "widget", "data-kind": widget.kind ?? "table" },
      element("h4", {}, `Preview: ${widget.title || "Untitled widget"}`),
      element("p", { class: "pane-status", role: "status" }, "Loading…"));
    replace(this.slot, card);
    this.fill(card, widget);
  }

  async fill(card, widget) {
    let answer;
    try {
      answer = await query(widget.query, {}, { dataset: this.editor.workspace.dataset, perspective: "published" });
    } catch (error) {
      if (error instanceof SessionEnded) return;
      replace(card, card.firstChild, element("p", { class: "query-error", role: "alert" }, `The widget's query failed: ${error.message}`));
      return;
    }
    replace(card, card.firstChild, draw(widget, answer.result, (name) => columnTitle(this.editor.workspace, name)));
  }
}

function signatureOf(widget) {
  return JSON.stringify([widget.title ?? "", widget.kind ?? "", widget.query]);
}

function keyOf(widget, index) {
  return widget._key ?? `widget-${index}`;
}

/**
 * A column's heading: the title the schema gives a field of that name (`forecast` → "Forecast"),
 * else the name in words (`briefHeuristic` → "Brief heuristic"); money says its currency.
 */
export function columnTitle(workspace, name) {
  let title = null;
  const search = (fields) => {
    for (const field of fields ?? []) {
      if (title) return;
      if (field.name === name && field.title) title = field.title;
      else if (field.fields) search(field.fields);
    }
  };
  for (const type of workspace?.schema?.types ?? []) search(type.fields);
  title ??= humanise(name);
  return moneyNames.test(name) && !shareNames.test(name) ? `${title} (${houseCurrency})` : title;
}

/** The answer of a widget's query drawn as its kind says. */
export function draw(widget, result, heading = humanise) {
  const title = widget.title ?? "";
  const kind = widget.kind ?? "table";
  if (result === null || result === undefined || (Array.isArray(result) && result.length === 0)) {
    return element("p", { class: "pane-status" }, "No figures yet.");
  }
  if (kind === "metric") {
    const value = typeof result === "object" ? Object.values(result)[0] : result;
    return element("p", { class: "metric" }, formatFigure(title, value));
  }
  if (kind === "bar-chart" || kind === "donut-chart" || kind === "line-chart") {
    const figures = series(result);
    if (figures.length === 0) return rows(result, title, heading);
    // Figures keyed by label carry no name: a title about money says what they are.
    const named = figureName(result);
    const name = named === "count" && moneyTitles.test(title) ? "revenue" : named;
    const format = (value) => formatFigure(name, value);
    if (kind === "bar-chart") return barChart(title, figures, format);
    if (kind === "donut-chart") return donutChart(title, figures, format);
    return lineChart(title, figures, format);
  }
  if (kind === "list") {
    return element("ol", { class: "widget-list" }, (Array.isArray(result) ? result : [result]).map((item) =>
      element("li", {}, typeof item === "object" && item !== null
        ? Object.entries(item).map(([name, value], index) => [index ? " · " : "", formatFigure(name, value)])
        : formatFigure(title, item))));
  }
  return rows(result, title, heading);
}

/**
 * Figures from an answer: `{label: number}`, an object holding a `series`, or `[{label, <measure>}]`
 * where the measure is `value` or the first number of each item, named for what it holds
 * (`revenue`, `rate`, `lift`) so that it is formatted as it should be.
 */
function series(result) {
  if (Array.isArray(result)) {
    return result.map((item) => [item, measureOf(item)]).filter(([, name]) => name)
      .map(([item, name]) => ({ label: String(item.label ?? item.category ?? item.name ?? ""), value: item[name] }));
  }
  if (result && typeof result === "object") {
    if (Array.isArray(result.series)) return series(result.series);
    return Object.entries(result).filter(([, value]) => typeof value === "number").map(([label, value]) => ({ label, value }));
  }
  return [];
}

/** The member of `item` a chart draws: `value`, else its first number. */
function measureOf(item) {
  if (!item || typeof item !== "object") return null;
  if (typeof item.value === "number") return "value";
  return Object.keys(item).find((name) => !name.startsWith("_") && typeof item[name] === "number") ?? null;
}

/** The name a chart's values go by, for formatting (counts of clients are plain numbers). */
function figureName(result) {
  if (result && !Array.isArray(result) && Array.isArray(result.series)) return "value";
  const named = Array.isArray(result) ? result.map(measureOf).find((name) => name && name !== "value") : null;
  return named ?? "count";
}

/** An answer as a table: one row per object, one column per member. */
function rows(result, title, heading) {
  const items = (Array.isArray(result) ? result : [result]).map((item) => (item && typeof item === "object" ? item : { value: item }));
  const columns = [...new Set(items.flatMap((item) => Object.keys(item)))].filter((name) => !name.startsWith("_"));
  // Long tables scroll in their card; keyboard users reach the scrolling by focusing it.
  return element("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": title },
    table(columns.map(heading), items.map((item) => columns.map((name) => formatFigure(name, item[name])))));
}
