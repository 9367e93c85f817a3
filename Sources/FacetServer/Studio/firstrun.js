// The first screen of an empty dataset: a desk of empty lists tells a new editor nothing. Admins
// are offered what the server can load (the demo CRM) or to start creating; other roles are told
// plainly that there is nothing yet, and who can change that.

import { query, request, SessionEnded } from "./api.js";
import { element, replace } from "./dom.js";
import { plainWords } from "./plainwords.js";

// Once an editor chose to start from nothing, this tab does not ask again.
const dismissedKey = "facet.firstRunDismissed";

/** Whether the dataset holds no document the editor can see (and they have not moved on). */
export async function isFirstRun(workspace) {
  if (sessionStorage.getItem(dismissedKey) === workspace.dataset) return false;
  try {
    // Admins' queries see the audit log beside the dataset: its entries are not content.
    const answer = await query("count(*[_type != \"auditLog\"])", {}, { dataset: workspace.dataset, perspective: "raw" });
    return answer.result === 0;
  } catch (error) {
    if (error instanceof SessionEnded) throw error;
    return false;
  }
}

export class FirstRun {
  /** `onDone()`: called once the dataset has content or the editor chose to start creating. */
  constructor(container, workspace, onDone) {
    this.workspace = workspace;
    this.onDone = onDone;
    this.status = element("p", { class: "starter-status", id: "starter-status", role: "status" });
    const mayLoad = (workspace.me.permissions?.capabilities ?? []).includes("datasets");
    this.choices = element("div", { class: "starter-choices" });
    replace(container, element("section", { class: "first-run", "aria-labelledby": "first-run-title" },
      element("h1", { id: "first-run-title" }, "Welcome to Facet Studio"),
      element("p", {}, `The dataset “${workspace.dataset}” is empty: there are no documents yet.`),
      mayLoad
        ? [element("p", {}, "Load the demo to explore a working studio, or start creating your own documents."), this.choices, this.status]
        : element("p", { id: "first-run-explanation" },
          `Your role (${workspace.me.role}) cannot fill a dataset. An admin can load the demo or start creating; `
          + "the documents you may see will appear here then.")));
    if (mayLoad) this.offer();
  }

  async offer() {
    let starters = [];
    try {
      starters = (await request("/v1/starters")).starters ?? [];
    } catch (error) {
      if (error instanceof SessionEnded) return;
      // A server without starters still lets the admin start creating.
    }
    const cards = starters.map((starter) => {
      const button = element("button", { type: "button", class: "primary", id: `load-starter-${starter.name}` }, `Load the ${starter.title}`);
      button.addEventListener("click", () => this.load(starter, button));
      return element("article", { class: "starter-choice", "aria-labelledby": `starter-${starter.name}` },
        element("h2", { id: `starter-${starter.name}` }, starter.title),
        element("p", {}, starter.description),
        button);
    });
    const create = element("button", { type: "button", class: "secondary", id: "start-creating" }, "Open the desk");
    create.addEventListener("click", () => {
      sessionStorage.setItem(dismissedKey, this.workspace.dataset);
      this.onDone();
    });
    cards.push(element("article", { class: "starter-choice", "aria-labelledby": "starter-blank" },
      element("h2", { id: "starter-blank" }, "Start creating"),
      element("p", {}, "Begin with empty lists: every list on the desk has “New” to create its first document."),
      create));
    replace(this.choices, cards);
  }

  async load(starter, button) {
    for (const other of this.choices.querySelectorAll("button")) other.disabled = true;
    this.status.dataset.tone = "info";
    replace(this.status, element("progress", { "aria-label": `Loading the ${starter.title}` }), ` Loading the ${starter.title}… this takes a few seconds.`);
    let answer;
    try {
      answer = await request(`/v1/starters/${encodeURIComponent(this.workspace.dataset)}/${encodeURIComponent(starter.name)}`, { method: "POST" });
    } catch (error) {
      if (error instanceof SessionEnded) return;
      for (const other of this.choices.querySelectorAll("button")) other.disabled = false;
      this.status.dataset.tone = "failure";
      replace(this.status, `The ${starter.title} could not be loaded: ${plainWords(error, { workspace: this.workspace })}`);
      button.focus();
      return;
    }
    this.status.dataset.tone = "success";
    replace(this.status, `Loaded the ${starter.title}: ${answer.documents} documents.`);
    this.onDone();
  }
}
