// Vision: a GROQ playground. The query and its parameters go to the query endpoint as they are;
// the answer is shown as JSON with the server's time, and a query error points at its line and
// column.

import { APIError, query, SessionEnded } from "./api.js";
import { element, replace } from "./dom.js";
import { jsonTree } from "./jsontree.js";

const examples = [
  ["VIP clients by lifetime value", `*[_type == "lizaCustomer"] | order(lifetimeValue desc)[0...10]{_id, name, tier, lifetimeValue}`],
  ["Clients per segment", `{"segments": *[_type == "customer"]{segment}.segment}`],
  ["Orders of one client", `*[_type == "salesOrder" && references($customer)]{_id, status, total}`],
  ["Count of each type", `{"customers": count(*[_type == "customer"]), "vips": count(*[_type == "lizaCustomer"]), "orders": count(*[_type == "salesOrder"])}`],
];

export class Vision {
  constructor(container, workspace) {
    this.workspace = workspace;
    this.query = element("textarea", {
      id: "vision-query", class: "code", rows: 8, spellcheck: "false",
      value: sessionStorage.getItem("facet.vision.query") ?? examples[0][1],
    });
    this.params = element("textarea", {
      id: "vision-params", class: "code", rows: 4, spellcheck: "false",
      value: sessionStorage.getItem("facet.vision.params") ?? `{"customer": ""}`,
    });
    this.perspective = element("select", { id: "vision-perspective" },
      ["raw", "published", "drafts"].map((name) => element("option", { value: name }, name)));
    this.run = element("button", { type: "submit", class: "primary", id: "vision-run" }, "Run query");
    this.timing = element("span", { class: "timing", id: "vision-timing", role: "status" });
    this.error = element("div", { class: "query-error", id: "vision-error", role: "alert" });
    this.result = element("div", { class: "result code", id: "vision-result", role: "region", "aria-label": "Result" });
    this.resultText = "";
    this.view = element("select", { id: "vision-view" },
      element("option", { value: "tree" }, "Tree"), element("option", { value: "json" }, "JSON text"));
    this.view.addEventListener("change", () => this.show());
    this.query.addEventListener("keydown", (event) => {
      // Ctrl+Enter runs the query, as in Sanity's Vision.
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.execute();
      }
    });
    const form = element("form", { class: "vision-form", "aria-labelledby": "vision-title" },
      element("div", { class: "vision-inputs" },
        element("div", { class: "vision-query" },
          element("label", { for: "vision-query" }, "Query"), this.query),
        element("div", { class: "vision-side" },
          element("label", { for: "vision-params" }, "Params (JSON)"), this.params,
          element("label", { for: "vision-perspective" }, "Perspective"), this.perspective,
          element("div", { class: "inline-row" }, this.run, this.timing))),
      this.error);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.execute();
    });
    const exampleList = element("ul", { class: "examples" }, examples.map(([title, text]) => element("li", {},
      element("button", {
        type: "button", class: "link",
        onclick: () => { this.query.value = text; this.execute(); },
      }, title))));
    replace(container, element("section", { class: "vision", "aria-labelledby": "vision-title" },
      element("h1", { id: "vision-title" }, "Vision"),
      element("p", { class: "hint" }, "Run GROQ against the production dataset. Ctrl+Enter runs the query."),
      element("nav", { "aria-label": "Example queries" }, exampleList),
      form,
      element("div", { class: "result-bar" },
        element("h2", { class: "result-title" }, "Result"),
        element("label", { for: "vision-view" }, "Show as"), this.view),
      this.result));
  }

  async execute() {
    const text = this.query.value;
    sessionStorage.setItem("facet.vision.query", text);
    sessionStorage.setItem("facet.vision.params", this.params.value);
    replace(this.error);
    let params = {};
    if (this.params.value.trim()) {
      try {
        params = JSON.parse(this.params.value);
      } catch (error) {
        this.showError(`The params are not valid JSON: ${error.message}`);
        this.params.setAttribute("aria-invalid", "true");
        return;
      }
      if (params === null || typeof params !== "object" || Array.isArray(params)) {
        this.showError(`The params must be a JSON object, such as {"customer": "vip-1"}.`);
        return;
      }
    }
    this.params.removeAttribute("aria-invalid");
    this.query.removeAttribute("aria-invalid");
    // Only the parameters the query names are sent, so that the params kept for one query do not
    // get in the way of the next.
    const used = Object.fromEntries(Object.entries(params).filter(([name]) => new RegExp(`\\$${name}\\b`).test(text)));
    this.run.disabled = true;
    this.timing.textContent = "Running…";
    try {
      const answer = await query(text, used, { dataset: this.workspace.dataset, perspective: this.perspective.value });
      this.timing.textContent = `${answer.ms} ms`;
      this.answer = answer.result;
      this.show();
    } catch (error) {
      if (error instanceof SessionEnded) return;
      this.timing.textContent = "";
      this.answer = undefined;
      this.show();
      if (error instanceof APIError && error.details.line !== undefined) {
        this.showQueryError(error, text);
      } else {
        this.showError(error.message);
      }
    } finally {
      this.run.disabled = false;
    }
  }

  /** The last result, as a folding tree or as indented JSON text. */
  show() {
    if (this.answer === undefined) {
      replace(this.result);
    } else if (this.view.value === "json") {
      replace(this.result, element("pre", { id: "vision-json" }, JSON.stringify(this.answer, null, 2)));
    } else {
      replace(this.result, jsonTree(this.answer));
    }
  }

  showError(message) {
    replace(this.error, element("p", {}, message));
  }

  /** The error with its position, the line quoted and a caret under the column. */
  showQueryError(error, text) {
    const { line, column } = error.details;
    const quoted = text.split("\n")[line - 1] ?? "";
    replace(this.error,
      element("p", { id: "vision-error-position" }, `Line ${line}, column ${column}: ${error.message}`),
      element("pre", { class: "code caret", "aria-hidden": "true" }, `${quoted}\n${" ".repeat(Math.max(0, column - 1))}^`));
    this.query.setAttribute("aria-invalid", "true");
    this.query.setAttribute("aria-describedby", "vision-error-position");
    // Put the cursor where the error is, so that fixing it is one keystroke away.
    if (typeof error.details.start === "number") {
      const offset = utf16Offset(text, error.details.start);
      this.query.setSelectionRange(offset, offset);
    }
  }

  close() {}
}

/** The UTF-16 index of a UTF-8 byte offset (the server counts bytes; the textarea counts code units). */
function utf16Offset(text, byteOffset) {
  const bytes = new TextEncoder().encode(text);
  return new TextDecoder().decode(bytes.slice(0, byteOffset)).length;
}
