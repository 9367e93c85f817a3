// The document's history: a timeline of the transactions that touched it or its draft (who,
// when, what became of each), the version after any of them side by side with the one being
// edited, and Restore, which makes that version the draft (publishing it is the editor's choice).

import { APIError, authorizedFetch, mutate, request, SessionEnded } from "./api.js";
import { announce, element, replace } from "./dom.js";
import { draftID } from "./workspace.js";

// Members the server keeps: never compared, never restored.
const systemMembers = new Set(["_id", "_type", "_rev", "_createdAt", "_updatedAt", "_originalId"]);
const shownTransactions = 50;

export class DocumentHistory {
  constructor(editor) {
    this.editor = editor;
    const idOf = editor.idOf.bind(editor);
    this.toggle = element("button", { type: "button", id: idOf("history-toggle"), "aria-expanded": "false", "aria-controls": idOf("history") },
      "History");
    this.toggle.addEventListener("click", () => (this.panel.hidden ? this.show() : this.hide()));
    this.timeline = element("ol", { class: "history-timeline", "aria-label": "Transactions, newest first" });
    this.comparison = element("div", { class: "history-comparison", "aria-live": "polite" });
    this.status = element("p", { class: "pane-status", role: "status" });
    this.panel = element("section", { id: idOf("history"), class: "history", "aria-labelledby": idOf("history-title"), hidden: true },
      element("div", { class: "history-heading" },
        element("h3", { id: idOf("history-title") }, "History"),
        // Beside the form there is room; over it (narrow screens) this is the way back.
        element("button", { type: "button", class: "icon history-close", "aria-label": "Close the history",
                            onclick: () => { this.hide(); this.toggle.focus(); } }, "✕")),
      this.status, this.timeline, this.comparison);
  }

  get dataset() {
    return this.editor.workspace.dataset;
  }

  hide() {
    this.panel.hidden = true;
    this.toggle.setAttribute("aria-expanded", "false");
  }

  async show() {
    this.panel.hidden = false;
    this.toggle.setAttribute("aria-expanded", "true");
    this.panel.scrollIntoView({ block: "nearest" });
    this.status.textContent = "Loading the history…";
    replace(this.timeline);
    replace(this.comparison);
    const id = this.editor.id;
    const path = `/v1/data/history/${this.dataset}/transactions/${encodeURIComponent(id)},${encodeURIComponent(draftID(id))}`
      + `?reverse=true&limit=${shownTransactions}&excludeContent=true&excludeMutations=true`;
    let transactions;
    try {
      const response = await authorizedFetch(path);
      const text = await response.text();
      if (!response.ok) throw new APIError(response.status, safeJSON(text));
      transactions = text.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line));
    } catch (error) {
      if (!(error instanceof SessionEnded)) this.status.textContent = `The history could not load: ${error.message}`;
      return;
    }
    this.status.textContent = transactions.length === shownTransactions
      ? `The last ${shownTransactions} transactions, newest first`
      : `${transactions.length} transaction${transactions.length === 1 ? "" : "s"}, newest first`;
    replace(this.timeline, transactions.map((transaction) => this.entry(transaction)));
  }

  /** One transaction: a button that compares the version it left with the current one. */
  entry(transaction) {
    const id = this.editor.id;
    const draft = draftID(id);
    const revisions = transaction.revisions ?? {};
    // The version the transaction left: the draft's when it wrote one, else the published one.
    const target = [draft, id].find((candidate) => revisions[candidate]?.resultRev);
    const what = describe(revisions, id, draft);
    const when = new Date(transaction.timestamp);
    const label = `${formatTime(when)} · ${transaction.author ?? "unknown"} · ${what}`;
    if (!target) return element("li", { class: "history-entry-static" }, label);
    const button = element("button", {
      type: "button", class: "history-entry", "data-document": target, "data-revision": revisions[target].resultRev,
    }, element("time", { datetime: transaction.timestamp }, formatTime(when)), " · ",
    element("span", { class: "history-author" }, transaction.author ?? "unknown"), " · ", what);
    button.addEventListener("click", () => {
      for (const other of this.timeline.querySelectorAll(".history-entry[aria-current]")) other.removeAttribute("aria-current");
      button.setAttribute("aria-current", "true");
      this.compare(target, revisions[target].resultRev, when);
    });
    return element("li", {}, button);
  }

  /** The version `revision` of `documentID` beside the document being edited, field by field. */
  async compare(documentID, revision, when) {
    replace(this.comparison, element("p", { class: "pane-status", role: "status" }, "Loading that version…"));
    let answer;
    try {
      answer = await request(`/v1/data/history/${this.dataset}/documents/${encodeURIComponent(documentID)}?revision=${encodeURIComponent(revision)}`);
    } catch (error) {
      if (!(error instanceof SessionEnded)) replace(this.comparison, element("p", { role: "alert" }, `That version could not load: ${error.message}`));
      return;
    }
    const version = answer.documents?.[0];
    if (!version) {
      replace(this.comparison, element("p", { role: "alert" }, "That version is no longer available."));
      return;
    }
    const current = this.editor.document;
    const fields = this.editor.type.fields.filter((field) => this.editor.workspace.showsField(this.editor.type.name, field, current));
    const names = [...new Set([...fields.map((field) => field.name), ...Object.keys(version), ...Object.keys(current)])]
      .filter((name) => !systemMembers.has(name));
    const titles = new Map(fields.map((field) => [field.name, field.title ?? field.name]));
    let changed = 0;
    const rows = names.map((name) => {
      const before = version[name], after = current[name];
      const differs = JSON.stringify(before) !== JSON.stringify(after);
      if (differs) changed += 1;
      return element("tr", { class: differs ? "changed" : "same", "data-field": name },
        element("th", { scope: "row" }, titles.get(name) ?? name, differs ? element("span", { class: "visually-hidden" }, " (changed)") : null),
        element("td", { class: "before" }, show(before)),
        element("td", { class: "after" }, show(after)));
    });
    const restore = element("button", { type: "button", id: this.editor.idOf("history-restore"), class: "history-restore" }, "Restore this version");
    restore.addEventListener("click", () => this.restore(version, when));
    if (this.editor.readOnly) {
      restore.disabled = true;
      restore.setAttribute("aria-describedby", this.editor.idOf("history-restore-reason"));
    }
    replace(this.comparison,
      element("p", { id: this.editor.idOf("history-summary") },
        changed === 0 ? "This version is the same as the current one." : changed === 1 ? "1 field differs from the current version." : `${changed} fields differ from the current version.`),
      element("table", { class: "history-diff" },
        element("caption", { class: "visually-hidden" }, "The chosen version beside the current one"),
        element("thead", {}, element("tr", {},
          element("th", { scope: "col" }, "Field"),
          element("th", { scope: "col" }, `Version of ${formatTime(when)}`),
          element("th", { scope: "col" }, "Current"))),
        element("tbody", {}, rows)),
      element("div", { class: "history-restore-row" }, restore,
        this.editor.readOnly
          ? element("span", { id: this.editor.idOf("history-restore-reason"), class: "action-reason" }, "This document cannot be changed here by your role.")
          : null));
  }

  /** Makes `version` the draft, in one transaction; the published document is left as it is. */
  async restore(version, when) {
    const button = this.comparison.querySelector(".history-restore");
    if (button) button.disabled = true;
    await this.editor.settle();
    const copy = Object.fromEntries(Object.entries(version).filter(([key]) => !systemMembers.has(key) || key === "_type"));
    try {
      await mutate([{ createOrReplace: { ...copy, _id: draftID(this.editor.id) } }], { dataset: this.dataset });
    } catch (error) {
      if (error instanceof SessionEnded) return;
      if (button) button.disabled = false;
      replace(this.comparison.querySelector(".history-restore-row") ?? this.comparison,
        button ?? "", element("span", { role: "alert", class: "action-reason" }, `Not restored: ${error.message}`));
      return;
    }
    announce("Version restored as the draft");
    this.hide();
    this.editor.reload(`Restored the version of ${formatTime(when)} as the draft; publish it to make it current`, "success");
  }
}

/** What a transaction did to the document: "edited the draft", "published", … */
function describe(revisions, id, draft) {
  const onDraft = revisions[draft], onPublished = revisions[id];
  if (onPublished?.resultRev && onDraft && !onDraft.resultRev) return "published";
  if (onPublished && !onPublished.resultRev) return onDraft?.resultRev ? "unpublished" : "deleted";
  if (onDraft && !onDraft.resultRev) return "discarded the draft";
  if (onDraft?.resultRev) return onDraft.previousRev ? "edited the draft" : "created the draft";
  if (onPublished?.resultRev) return onPublished.previousRev ? "changed" : "created";
  return "changed";
}

function show(value) {
  if (value === undefined || value === null) return element("span", { class: "history-empty" }, "—");
  if (typeof value === "string") return value;
  return element("code", {}, JSON.stringify(value));
}

function formatTime(date) {
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

function safeJSON(text) {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { description: text.slice(0, 300) } };
  }
}
