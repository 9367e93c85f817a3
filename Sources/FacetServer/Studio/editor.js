// The document editor: a form generated from the document's schema type, saving every edit as
// a draft (debounced), showing the server's validation markers at their fields, and publishing
// once no error remains. Others' edits are merged in as they arrive (see draftsync.js), others
// present are shown (presence.js), and one's own edits can be undone (undo.js).

import { APIError, mutate, query, request, SessionEnded } from "./api.js";
import { DocumentActions } from "./actions.js";
import { DashboardView } from "./dashboard.js";
import { hasPrediction, PredictionView } from "./prediction.js";
import { DocumentHistory } from "./history.js";
import { announce, debounce, element, replace } from "./dom.js";
import { renderField } from "./fields/index.js";
import { hiddenFieldFrame } from "./fields/hidden.js";
import { isWrittenBySystem } from "./rights.js";
import { groupIntoFieldsets } from "./fields/fieldsets.js";
import { listen } from "./listen.js";
import { GroupTabs } from "./tabs.js";
import { markerFrame } from "./markers.js";
import { draftID, publishedID } from "./workspace.js";
import { DocumentSchedule } from "./schedule.js";
import { pendingDocument, settleDocument } from "./newdocument.js";
import { ReferencedBy } from "./referencedby.js";
import { draftCopy, draftPatch, mergeStored } from "./draftsync.js";
import { showStored, showValue } from "./liveform.js";
import { Presence } from "./presence.js";
import { UndoStack } from "./undo.js";

const saveDelay = 600;
// A save whose text patch no longer fits the stored text is merged again and retried this often.
const saveAttempts = 3;

export class Editor {
  constructor(container, workspace, id, { listHref, selfHref = null, position = 0 }) {
    this.container = container;
    // Several documents can be open side by side: the first keeps the plain ids (#publish,
    // #save-state), the others number theirs, so that no id, label or description is shared.
    this.idSuffix = position > 0 ? `-${position + 1}` : "";
    this.workspace = workspace;
    this.id = publishedID(id);
    this.listHref = listHref;
    // Where this document's pane is: documents opened from it open to its right.
    this.selfHref = selfHref ?? `${listHref}/${encodeURIComponent(`:${this.id}`)}`;
    this.dirty = new Set();
    this.saving = null;
    this.closed = false;
    this.markers = [];
    this.scheduleSave = debounce(() => this.save(), saveDelay);
    // Changes made elsewhere (another editor, an action, a script) are shown in place; this
    // editor's own transactions are known by id and not shown twice.
    this.ownTransactions = new Set();
    this.remoteEvents = [];
    this.takeRemote = debounce(() => this.applyRemote(), 250);
    // Saves and merges of others' changes run one at a time: each needs the base the other leaves.
    this.queue = Promise.resolve();
    this.undo = new UndoStack({
      apply: (path, value) => this.change(path, value, { show: true }),
      valueAt: (path) => valueAt(this.document, path),
    });
    container.addEventListener("keydown", (event) => {
      if (!this.readOnly && this.document) this.undo.handleKey(event);
    });
    container.classList.add("editor-pane");
    container.setAttribute("aria-label", "Document");
    replace(container, element("p", { class: "pane-status", role: "status" }, "Loading the document…"));
    this.load();
  }

  /** The id `name` of an element of this editor, unique among the open editors. */
  idOf(name) {
    return `${name}${this.idSuffix}`;
  }

  /** The address opening the document `ref` in a pane to the right of this one. */
  documentHref(ref) {
    return `${this.selfHref}/${encodeURIComponent(`:${publishedID(ref)}`)}`;
  }

  /** Reads the document and its draft, and renders the form. */
  load() {
    this.loads = (this.loads ?? 0) + 1;
    this.loading = this.readAndRender().finally(() => { this.loading = null; });
    return this.loading;
  }

  /** The stored draft and published document (either may be absent). */
  async versions() {
    const answer = await query("*[_id in [$id, $draft]]", { id: this.id, draft: draftID(this.id) },
      { dataset: this.workspace.dataset, perspective: "raw" });
    return {
      draft: answer.result.find((document) => document._id === draftID(this.id)),
      published: answer.result.find((document) => document._id === this.id),
    };
  }

  async readAndRender() {
    let draft, published;
    try {
      ({ draft, published } = await this.versions());
    } catch (error) {
      if (!(error instanceof SessionEnded)) this.fail(`The document could not load: ${error.message}`);
      return;
    }
    if (this.closed) return;
    // A document started in this page ("New", a template, Duplicate) exists once first saved.
    const started = !draft && !published ? pendingDocument(this.id) : null;
    if (!draft && !published && !started) {
      this.fail("This document does not exist (it may have been deleted), or your role may not read it.");
      return;
    }
    this.isNew = Boolean(started);
    if (started) {
      draft = started;
      this.dirty = new Set();
    }
    this.hasDraft = Boolean(draft) && !started;
    this.isPublished = Boolean(published);
    this.shown = revisions(draft, published);
    this.document = structuredClone(draft ?? published);
    // What the edits are made on: saves send the difference from it.
    this.base = structuredClone(draft ?? published);
    this.type = this.workspace.type(this.document._type);
    if (!this.type) {
      this.fail(`The schema declares no type ${this.document._type}; this document cannot be edited here.`);
      return;
    }
    this.showPresence();
    this.render();
    // Entries Facet writes itself (the audit log) live outside the dataset: nothing to validate.
    if (!this.isNew && !isWrittenBySystem(this.type)) this.validate();
    this.listenForChanges();
  }

  listenForChanges() {
    if (this.listener || this.closed) return;
    this.listener = listen("_id in [$id, $draft]", { id: this.id, draft: draftID(this.id) }, {
      dataset: this.workspace.dataset,
      onMutation: (event) => {
        this.remoteEvents.push(event);
        this.takeRemote();
      },
    });
  }

  /**
   * Starts saying that this document is open here, and showing who else has it open; a new
   * document, not yet stored, has no one else to show.
   */
  showPresence() {
    // No one edits what Facet writes itself (the audit log): no presence to show there.
    if (this.presence || this.isNew || isWrittenBySystem(this.type)) return;
    this.presence = new Presence({ dataset: this.workspace.dataset, documentId: this.id, root: this.container,
      me: this.workspace.me, id: this.idOf("presence") });
    // Already drawn (a new document's first save): the strip goes under the header.
    this.container.querySelector(".editor-meta")?.after(this.presence.strip);
  }

  /** Runs `task` once the saves and merges before it are done. */
  serially(task) {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Brings in what others changed. Edits made here and not yet saved are kept: a text edited on
   * both sides is merged by characters (the caret stays where it was), and saved next.
   */
  applyRemote() {
    return this.serially(async () => {
      if (this.closed || !this.document) return;
      if (this.loading) await this.loading;
      const foreign = this.remoteEvents.filter((event) => !this.ownTransactions.has(event.transactionId));
      this.remoteEvents = [];
      if (foreign.length === 0) return;
      await this.takeStored(foreign.map((event) => event.identity).filter(Boolean).at(-1) ?? "someone else");
    });
  }

  /**
   * Reads the stored document and merges it into the form (see ``mergeStored``); `who` made the
   * change. Answers whether the form now stands on the stored document.
   */
  async takeStored(who) {
    const loads = this.loads;
    let draft, published;
    try {
      ({ draft, published } = await this.versions());
    } catch {
      return false;
    }
    // A reload since (after an action or a restore) shows the latest state with its own message.
    if (this.closed || this.loads !== loads) return false;
    const now = revisions(draft, published);
    // An action or a restore that reloaded the editor has shown this state already.
    if (now.draft === this.shown.draft && now.published === this.shown.published) return true;
    if (!draft && !published) {
      this.fail(`This document was deleted by ${who}.`);
      announce(`The document was deleted by ${who}`);
      return false;
    }
    this.hasDraft = Boolean(draft);
    this.isPublished = Boolean(published);
    this.shown = now;
    const stored = draft ?? published;
    const focus = this.focusedField();
    const result = mergeStored(this.base, this.document, stored);
    this.base = structuredClone(stored);
    this.document = result.document;
    this.dirty = new Set(result.pending);
    const message = result.merged.length
      ? `Merged the changes ${who} made with yours`
      : `Updated with the changes ${who} made`;
    showStored(this, result.changed, focus, message);
    announce(result.merged.length
      ? `${who} changed a field you are editing; both changes are kept`
      : `The document was changed by ${who}; the form shows the change`);
    if (this.dirty.size > 0) {
      this.setState("Unsaved changes", "pending");
      this.scheduleSave();
    } else {
      this.validate();
    }
    return true;
  }

  /** Where the caret is, by field path, so that a re-rendered form can put it back. */
  focusedField() {
    const active = document.activeElement;
    const frame = active?.closest?.(".field[data-path]");
    if (!frame || !this.container.contains(frame)) return null;
    return { path: frame.dataset.path, start: active.selectionStart ?? null, end: active.selectionEnd ?? null };
  }

  restoreFocus(focus) {
    if (!focus) return;
    const frame = this.container.querySelector(`.field[data-path="${CSS.escape(focus.path)}"]`);
    const input = frame?.input ?? frame?.querySelector("input, textarea, select, [contenteditable]");
    if (!input) return;
    input.focus();
    if (focus.start !== null && typeof input.setSelectionRange === "function") {
      try { input.setSelectionRange(Math.min(focus.start, input.value.length), Math.min(focus.end, input.value.length)); } catch { /* not a text input */ }
    }
  }

  fail(message) {
    replace(this.container, element("p", { class: "pane-status failure", role: "alert" }, message));
  }

  render() {
    const type = this.type;
    // A draft is first made as a copy of what the editor sees: were fields hidden from their
    // role, the copy would lack them and publishing it would erase them. Such a document is
    // edited here only once a draft exists (patches touch just the fields edited).
    const hidesFields = type.fields.some((field) => field.sensitive && !this.workspace.showsField(type.name, field, this.document));
    const bySystem = isWrittenBySystem(type);
    const mayUpdate = this.workspace.may("update", type.name) && !bySystem;
    this.readOnly = !mayUpdate || (hidesFields && !this.hasDraft);
    const role = this.workspace.me.role;
    this.title = element("h2", { class: "pane-title editor-title", id: this.idOf("editor-title") });
    this.saveState = element("span", { class: "save-state", id: this.idOf("save-state"), role: "status" }, this.hasDraft ? "Draft" : "Published");
    this.publishButton = element("button", { type: "button", class: "primary publish", id: this.idOf("publish") }, "Publish");
    this.publishButton.addEventListener("click", () => this.publish());
    this.publishReason = element("span", { class: "action-reason", id: this.idOf("publish-reason") });
    this.summary = element("p", { class: "marker-summary", id: this.idOf("marker-summary"), "aria-live": "polite" });
    this.actions = new DocumentActions(this);
    // Scheduling is offered to whoever may publish the type, once the document exists.
    this.schedule = !this.isNew && this.workspace.may("publish", type.name) && !bySystem ? new DocumentSchedule(this) : null;
    this.lastMessage = null;
    this.history = new DocumentHistory(this);
    this.referencedBy?.close();
    this.referencedBy = this.isNew ? null : new ReferencedBy(this);

    const context = {
      workspace: this.workspace,
      readOnly: this.readOnly,
      documentType: type.name,
      change: (path, value) => this.change(path, value),
      valueAt: (path) => path.split(".").reduce((value, part) => value?.[part], this.document),
      documentHref: (ref) => this.documentHref(ref),
    };
    // Fields hidden from the role keep their place, saying so, rather than silently missing.
    const fields = type.fields.filter((field) => !field.hidden);
    this.frames = fields.map((field) => (this.workspace.showsField(type.name, field, this.document)
      ? renderField(field, this.document[field.name], field.name, context)
      : hiddenFieldFrame(field)));
    const form = element("form", { class: "document-form", "aria-labelledby": this.idOf("editor-title"), novalidate: true },
      groupIntoFieldsets(fields, this.frames, type.fieldsets));
    form.addEventListener("submit", (event) => event.preventDefault());
    const tabs = type.groups?.length ? new GroupTabs(type.groups, fields, this.frames, this.tabs?.chosen) : null;
    this.tabs = tabs;
    // A type with widgets (each a GROQ query with a kind) is a dashboard: its charts come first.
    const dashboard = type.fields.some((field) => field.name === "widgets") ? new DashboardView(this) : null;
    this.dashboard = dashboard;
    // A model's prediction reads as a sentence first, its workings behind "Details".
    const prediction = hasPrediction(this.document) ? new PredictionView(this) : null;

    replace(this.container,
      element("div", { class: "editor-header" },
        this.title,
        element("a", { href: this.listHref, class: "close-editor", "aria-label": "Close the document" }, "✕")),
      element("div", { class: "editor-meta" },
        element("span", { class: "type-name" }, type.title),
        this.saveState,
        this.history.toggle),
      this.presence?.strip,
      this.readOnly
        ? element("p", { class: "notice", role: "note" }, bySystem
          ? `${type.title} entries are written by Facet itself; they can be read here but not changed.`
          : mayUpdate
          ? `Some fields of this document are hidden from your role (${role}), so it cannot be changed here without losing them.`
          : `Your role (${role}) may read ${type.title} documents but not change them.`)
        : null,
      dashboard?.element,
      prediction?.element,
      // The form and, when open, the history beside it (over it on narrow screens).
      element("div", { class: "editor-body" },
        element("div", { class: "editor-main" },
          tabs?.element,
          this.summary,
          this.isNew ? element("p", { class: "notice", role: "note" },
            `A new ${type.title}: it is saved as a draft as soon as you fill in a field.`) : null,
          form,
          this.referencedBy?.element),
        this.history.panel),
      element("div", { class: "document-actions", role: "group", "aria-label": "Document actions" },
        element("div", { class: "publish-row" }, this.publishButton, this.schedule?.toggle, this.publishReason),
        this.schedule?.element,
        this.actions.element));
    this.showTitle();
    this.presence?.render();
    dashboard?.render(this.document.widgets);
    prediction?.render(this.document);
    this.updateActions();
    if (this.lastMessage) this.actions.say(this.lastMessage, this.lastTone);
  }

  showTitle() {
    const path = this.type.preview?.select?.title ?? this.workspace.firstStringField(this.type);
    const title = path ? path.split(".").reduce((value, part) => value?.[part], this.document) : null;
    // Without the reference a title comes through (a model's cohort document has no client),
    // the document's own first text titles it, as in lists.
    const own = this.workspace.firstStringField(this.type);
    const fallback = path?.includes(".") && this.document?.[path.split(".")[0]] == null && own ? this.document?.[own] : null;
    this.title.textContent = typeof title === "string" && title ? title : (typeof fallback === "string" && fallback ? fallback : "Untitled");
    if (path && title === undefined && fallback == null) this.showReferencedTitle(path);
  }

  /**
   * A title taken through a reference (an interaction's is its client's name): asked of the
   * server with the document as a parameter, so that an unsaved one is titled too.
   */
  async showReferencedTitle(path) {
    const expression = this.workspace.groqPath(this.type, path);
    if (!expression.includes("->")) return;
    // Asked again only when what the title comes through (the reference) changed.
    const source = JSON.stringify(this.document[path.split(".")[0]] ?? null);
    if (source === this.titleSource && this.resolvedTitle) {
      this.title.textContent = this.resolvedTitle;
      return;
    }
    this.titleSource = source;
    this.resolvedTitle = null;
    const shown = this.document;
    try {
      const answer = await query(`$document.${expression}`, { document: shown },
        { dataset: this.workspace.dataset, perspective: "drafts" });
      if (this.closed || this.document !== shown || typeof answer.result !== "string" || !answer.result) return;
      this.resolvedTitle = answer.result;
      this.title.textContent = answer.result;
    } catch {
      // The title stays "Untitled": the form below is what matters.
    }
  }

  /**
   * Records an edit at the dotted `path` and schedules saving the draft. `show`: the edit was not
   * typed into the form (an undo), so the form is brought to show it.
   */
  change(path, value, { show = false } = {}) {
    const parts = path.split(".");
    const before = valueAt(this.document, path);
    let target = this.document;
    for (const part of parts.slice(0, -1)) {
      if (!target[part] || typeof target[part] !== "object") target[part] = {};
      target = target[part];
    }
    const last = parts.at(-1);
    if (value === undefined) delete target[last]; else target[last] = value;
    this.undo.record(path, before, value);
    this.dirty.add(parts[0]);
    if (parts[0] === "widgets") this.dashboard?.preview(this.document.widgets);
    this.setState("Unsaved changes", "pending");
    this.showTitle();
    this.updateActions();
    this.scheduleSave();
    if (show) showValue(this, path, before, value);
  }

  setState(text, kind) {
    this.saveState.textContent = text;
    this.saveState.dataset.state = kind;
  }

  /** Saves the edits made since the last save as one transaction on the draft. */
  save() {
    return this.serially(() => this.saveNow());
  }

  /**
   * Sends each edited field as its difference from the base (texts as character patches, which
   * the server merges into others' concurrent edits). When a text patch no longer fits what is
   * stored, the stored document is merged into the form and the save is tried again.
   */
  async saveNow() {
    for (let attempt = 1; ; attempt += 1) {
      // A closed editor still saves: closing flushes the last edit into this queue.
      if (this.dirty.size === 0) return;
      const names = [...this.dirty];
      this.dirty.clear();
      const draft = draftID(this.id);
      const sent = new Map(names.map((name) => [name, this.document[name] === undefined ? undefined : structuredClone(this.document[name])]));
      const mutations = [];
      // Made from the base, not the form: the patch then carries this editor's edits onto it, and
      // onto whatever draft another editor made first.
      if (!this.hasDraft) mutations.push({ createIfNotExists: draftCopy(draft, this.base) });
      for (const patch of draftPatch(draft, names, this.base, this.document)) mutations.push({ patch });
      if (mutations.length === 0) break;
      this.setState("Saving…", "saving");
      this.saving = mutate(mutations, { dataset: this.workspace.dataset });
      try {
        const answer = await this.saving;
        if (answer?.transactionId) this.ownTransactions.add(answer.transactionId);
        this.hasDraft = true;
        if (this.isNew) {
          // Saved once, the document exists: others may now refer to it, and see who edits it.
          this.isNew = false;
          settleDocument(this.id);
          this.container.querySelector(".notice[role=note]")?.remove();
          this.referencedBy = new ReferencedBy(this);
          this.history.panel.before(this.referencedBy.element);
          this.showPresence();
        }
        for (const [name, value] of sent) {
          if (value === undefined) delete this.base[name]; else this.base[name] = value;
        }
        break;
      } catch (error) {
        for (const name of names) this.dirty.add(name);
        if (error instanceof SessionEnded) return;
        if (attempt < saveAttempts && !this.closed && staleText(error) && await this.takeStored("someone else")) continue;
        this.setState(`Not saved: ${error.message}`, "failed");
        this.saveState.setAttribute("role", "alert");
        return;
      } finally {
        this.saving = null;
      }
    }
    if (this.dirty.size === 0) {
      this.setState("Saved", "saved");
      announce("Draft saved");
    }
    this.saveState.setAttribute("role", "status");
    if (!this.closed) await this.validate();
  }

  /** Asks the server for the document's markers and shows them at their fields. */
  async validate() {
    let answer;
    try {
      answer = await request(`/v1/data/validate/${this.workspace.dataset}/${encodeURIComponent(this.id)}`);
    } catch (error) {
      if (error instanceof APIError && !this.closed) this.summary.textContent = `Validation is unavailable: ${error.message}`;
      return;
    }
    if (this.closed || this.dirty.size > 0) return;
    this.markers = answer.markers ?? [];
    for (const frame of this.container.querySelectorAll(".field")) {
      frame.markerList?.replaceChildren();
      frame.classList.remove("has-error", "has-warning");
      frame.input?.removeAttribute("aria-invalid");
    }
    const unplaced = [];
    for (const marker of this.markers) {
      const frame = markerFrame(this.container, marker.path);
      const item = element("li", { class: `marker ${marker.level}`, "data-level": marker.level },
        element("span", { class: "marker-level" }, marker.level === "error" ? "Error: " : "Warning: "),
        marker.message);
      if (!frame) {
        unplaced.push(element("li", { class: `marker ${marker.level}` }, `${marker.path}: `, item));
        continue;
      }
      frame.markerList.append(item);
      frame.classList.add(marker.level === "error" ? "has-error" : "has-warning");
      if (marker.level === "error") frame.input?.setAttribute("aria-invalid", "true");
    }
    const errors = this.markers.filter((marker) => marker.level === "error").length;
    const warnings = this.markers.length - errors;
    replace(this.summary,
      errors || warnings ? `${plural(errors, "error")}, ${plural(warnings, "warning")}` : "No validation problems",
      unplaced.length ? element("ul", { class: "markers" }, unplaced) : null);
    this.updateActions();
  }

  /** Publish is offered only when there is a draft, the role may publish, and no error remains. */
  updateActions() {
    if (!this.publishButton) return;
    const errors = this.markers.filter((marker) => marker.level === "error").length;
    let reason = "";
    if (!this.workspace.may("publish", this.type.name)) reason = `Your role (${this.workspace.me.role}) may not publish ${this.type.title} documents.`;
    else if (errors > 0) reason = `Fix ${plural(errors, "validation error")} before publishing.`;
    else if (!this.hasDraft && this.dirty.size === 0) reason = "There are no changes to publish.";
    this.actions?.update();
    this.publishButton.disabled = reason !== "";
    this.publishReason.textContent = reason;
    if (reason) this.publishButton.setAttribute("aria-describedby", this.idOf("publish-reason"));
    else this.publishButton.removeAttribute("aria-describedby");
  }

  /** Saves what is still waiting, so that an action sees every edit. */
  async settle() {
    this.scheduleSave.flush();
    await this.queue;
    if (this.dirty.size > 0) await this.save().catch(() => {});
  }

  /** Reads the document again after an action changed it, showing the action's message. */
  reload(message = null, tone = "success") {
    this.lastMessage = message;
    this.lastTone = tone;
    this.markers = [];
    this.dirty.clear();
    this.undo.clear();
    this.load();
  }

  async publish() {
    this.publishButton.disabled = true;
    await this.settle();
    try {
      const answer = await request(`/v1/data/publish/${this.workspace.dataset}`, { method: "POST", body: { id: this.id } });
      if (answer?.transactionId) this.ownTransactions.add(answer.transactionId);
    } catch (error) {
      if (error instanceof SessionEnded) return;
      this.setState(`Not published: ${this.actions.explain(error)}`, "failed");
      this.updateActions();
      return;
    }
    this.hasDraft = false;
    this.isPublished = true;
    this.setState("Published", "published");
    this.actions.say("Published");
    announce("Published");
    this.updateActions();
  }

  close() {
    // An edit still waiting for its debounce is saved, not lost, when the pane closes.
    this.scheduleSave.flush();
    this.closed = true;
    this.listener?.close();
    this.referencedBy?.close();
    this.presence?.close();
  }
}

/** The value at dotted `path` of `document`. */
function valueAt(document, path) {
  return path.split(".").reduce((value, part) => value?.[part], document);
}

/** A refusal of a text patch made for a text that has changed since (the save merges and retries). */
function staleText(error) {
  return error instanceof APIError && (error.status === 409 || error.status === 400)
    && (/diffMatchPatch/.test(error.message) || /no element with _key/.test(error.message));
}

/** The revisions of the draft and the published document, to tell whether either changed. */
function revisions(draft, published) {
  return { draft: draft?._rev ?? null, published: published?._rev ?? null };
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
