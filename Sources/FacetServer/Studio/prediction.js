// A prediction read the way an advisor reads it: the sentence and the one figure to act on first,
// then, behind "Details", what they rest on — the model's drivers, the interval, the brief's
// heuristic for comparison, the method and when it ran. Any document carrying
// `predictions.recommendations` (the analytics' model documents) gets it above its fields.

import { element } from "./dom.js";
import { humanise } from "./plainwords.js";

// Amounts as the sentences write them: the house currency's code, then the figure.
const houseCurrency = "USD";
const amount = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const money = { format: (value) => `${houseCurrency} ${amount.format(value)}` };
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 0 });

/** Whether `document` carries a prediction to show. */
export function hasPrediction(document) {
  return Array.isArray(document?.predictions?.recommendations) && document.predictions.recommendations.some((text) => typeof text === "string");
}

export class PredictionView {
  constructor(editor) {
    this.editor = editor;
    this.element = element("section", { class: "prediction", "aria-labelledby": editor.idOf("prediction-title") });
  }

  render(document) {
    const predictions = document.predictions ?? {};
    const sentences = predictions.recommendations.filter((text) => typeof text === "string");
    const drivers = Array.isArray(predictions.keyDrivers) ? predictions.keyDrivers : [];
    const own = drivers.filter((driver) => !String(driver.factor ?? "").startsWith("brief-"));
    const brief = drivers.filter((driver) => String(driver.factor ?? "").startsWith("brief-"));
    const interval = document.forecast?.confidenceInterval;
    const figures = [];
    // A next-purchase document's probability is its confidence score, not a chance of anything.
    if (typeof predictions.probability === "number") {
      figures.push([document.modelType === "next-purchase" ? "Confidence" : "Probability", percent.format(predictions.probability)]);
    }
    if (typeof predictions.riskLevel === "string") figures.push(["Risk level", humanise(predictions.riskLevel)]);
    if (typeof predictions.date === "string") figures.push(["Expected", predictions.date]);
    const range = predictions.dateRange;
    if (range && typeof range.earliest === "string") {
      // A date's range reads as dates; the same interval in days (forecast.confidenceInterval) is left to the fields.
      figures.push([`${percent.format(range.level ?? 0.8)} window`,
        typeof range.latest === "string" ? `${range.earliest} – ${range.latest}` : `${range.earliest} – over 10 years on`]);
    } else if (interval && typeof interval.lower === "number" && typeof interval.upper === "number") {
      figures.push([`${percent.format(interval.level ?? 0.8)} interval`, `${money.format(interval.lower)} – ${money.format(interval.upper)}`]);
    }
    const detailRows = (list) => element("table", { class: "prediction-drivers" },
      element("thead", {}, element("tr", {}, element("th", { scope: "col" }, "Factor"), element("th", { scope: "col" }, "What it says"))),
      element("tbody", {}, list.map((driver) => element("tr", {},
        element("th", { scope: "row" }, humanise(String(driver.factor ?? "").replace(/^brief-/, ""))),
        element("td", {}, String(driver.detail ?? ""))))));
    const details = element("details", { class: "prediction-details" },
      element("summary", {}, "Details"),
      sentences.length > 1 ? element("ul", { class: "prediction-more" }, sentences.slice(1).map((text) => element("li", {}, text))) : null,
      own.length ? element("h4", {}, "What the model rests on") : null,
      own.length ? detailRows(own) : null,
      brief.length ? element("h4", {}, "The brief's heuristic, for comparison") : null,
      brief.length ? detailRows(brief) : null,
      brief.length && typeof predictions.value === "number" && document.modelType === "ltv-forecasting"
        ? element("p", {}, `The heuristic's figure: ${money.format(predictions.value)}; the forecast above is the model's.`) : null,
      element("p", { class: "prediction-method" },
        [document.algorithm ? `Method: ${document.algorithm}` : null, document.modelVersion ? `version ${document.modelVersion}` : null,
          document.generatedAt ? `computed ${String(document.generatedAt).slice(0, 10)}` : null].filter(Boolean).join(" · ")),
      typeof document.notes === "string" ? element("p", { class: "prediction-notes" }, document.notes) : null);
    this.element.replaceChildren(
      element("h3", { id: this.editor.idOf("prediction-title") }, "Prediction"),
      element("p", { class: "prediction-sentence" }, sentences[0] ?? ""),
      figures.length ? element("dl", { class: "prediction-figures" },
        figures.flatMap(([term, value]) => [element("dt", {}, term), element("dd", {}, value)])) : null,
      details);
  }
}
