// The document's actions beside Publish, in a "More" menu so that the bar keeps one row: Discard
// changes, Unpublish, Duplicate, Delete (confirmed first), and the custom actions studio-config
// declares for the type. Only what the editor's role can complete on this document is offered
// (see rights.js); refusals are said in plain words. A custom action can run for a while
// (refreshing every prediction): it reports its progress, shown on a bar until it answers, and
// the documents it wrote are announced to the open lists (`facet:written`) so they show them.

import { APIError, authorizedFetch, mutate, request, SessionEnded } from "./api.js";
import { element, replace } from "./dom.js";
import { readEvents } from "./listen.js";
import { MenuButton } from "./menu.js";
import { plainWords } from "./plainwords.js";
import { documentRights } from "./rights.js";
import { draftID } from "./workspace.js";
import { startDuplicate } from "./newdocument.js";

export class DocumentActions {
  constructor(editor) {
    this.editor = editor;
    const { workspace, type } = editor;
    this.result = element("p", { class: "action-result", id: editor.idOf("action-result"), role: "status" }, editor.lastMessage ?? "");
    this.confirmation = element("div", { class: "confirmation", hidden: true, role: "group", "aria-label": "Confirm deletion" });
    this.menu = new MenuButton("More", "More document actions", editor.idOf("more-actions-button"));
    this.custom = (workspace.actions ?? []).filter((action) => action.types?.includes(type.name));
    this.progress = new ActionProgressBar(editor.idOf.bind(editor));
    // The menu sits beside Publish; the confirmation, progress and message take rows below.
    this.element = element("div", { class: "more-actions" },
      this.menu.element,
      this.confirmation,
      this.progress.element,
      this.result);
    this.update();
  }

  /** The editor's rights on the document as it stands. */
  rights() {
    const { workspace, type, document, hasDraft, isPublished } = this.editor;
    return documentRights(workspace, type, document ?? {}, { hasDraft, isPublished });
  }

  /** Offers what the role can complete on the document in its current state, and nothing else. */
  update() {
    const rights = this.rights();
    const publish = this.editor.publishButton;
    if (publish) {
      // A document this role cannot change here (hidden fields, no draft) cannot be published by it either.
      const offered = rights.publish && !this.editor.readOnly;
      publish.hidden = !offered;
      this.editor.publishReason.hidden = !offered;
    }
    // A document not saved yet exists only in this page: there is nothing else to act on.
    if (this.editor.isNew) {
      this.menu.setItems([]);
      return;
    }
    const items = [];
    if (rights.discard) items.push({ id: this.editor.idOf("action-discard"), title: "Discard changes", run: () => this.operation("discard", "Changes discarded") });
    if (rights.unpublish) items.push({ id: this.editor.idOf("action-unpublish"), title: "Unpublish", run: () => this.operation("unpublish", "Unpublished; the content is kept as a draft") });
    if (rights.duplicate) items.push({ id: this.editor.idOf("action-duplicate"), title: "Duplicate", run: () => this.duplicate() });
    if (rights.delete) items.push({ id: this.editor.idOf("action-delete"), title: "Delete", tone: "danger", run: () => this.confirmDelete() });
    if (rights.action) {
      for (const action of this.custom) {
        // One custom action at a time: a second click while one runs would run it twice.
        items.push({ id: this.editor.idOf(`action-${action.name}`), title: action.title, description: action.description ?? action.title,
                     disabled: Boolean(this.running), run: () => this.run(action) });
      }
    }
    this.menu.setItems(items);
  }

  /** The message of the last action: each action replaces the one before. */
  say(message, tone = "success") {
    this.result.textContent = message ?? "";
    this.result.dataset.tone = tone;
  }

  /** A refusal in plain words, naming the document by its title. */
  explain(error) {
    return plainWords(error, { workspace: this.editor.workspace, type: this.editor.type, title: this.editor.title?.textContent || null });
  }

  /** Publish's siblings at `/v1/data/<name>`: one transaction each, then the document again. */
  async operation(name, message) {
    this.say("");
    await this.editor.settle();
    try {
      const answer = await request(`/v1/data/${name}/${this.editor.workspace.dataset}`, { method: "POST", body: { id: this.editor.id } });
      // The editor's own change: not to be announced back to it as someone else's.
      if (answer?.transactionId) this.editor.ownTransactions.add(answer.transactionId);
    } catch (error) {
      if (!(error instanceof SessionEnded)) this.say(this.explain(error), "failure");
      return;
    }
    this.editor.reload(message);
  }

  /** Opens a new document holding what a duplicate keeps of this one; saved on its first edit. */
  async duplicate() {
    this.say("");
    await this.editor.settle();
    const id = startDuplicate(this.editor.workspace, this.editor.document);
    location.hash = `${this.editor.listHref}/${encodeURIComponent(`:${id}`)}`;
  }

  confirmDelete() {
    this.say("");
    const yes = element("button", { type: "button", class: "danger", id: this.editor.idOf("confirm-delete") }, "Delete");
    const no = element("button", { type: "button", class: "secondary" }, "Cancel");
    yes.addEventListener("click", () => this.delete());
    no.addEventListener("click", () => {
      this.confirmation.hidden = true;
      this.menu.button.focus();
    });
    const title = this.editor.title?.textContent;
    replace(this.confirmation, element("p", {}, `Delete ${title ? `“${title}”` : "this document"}, its draft and its published version?`), yes, no);
    this.confirmation.hidden = false;
    no.focus();
  }

  async delete() {
    await this.editor.settle();
    const id = this.editor.id;
    try {
      await mutate([{ delete: { id } }, { delete: { id: draftID(id) } }], { dataset: this.editor.workspace.dataset });
    } catch (error) {
      if (error instanceof SessionEnded) return;
      // A document others refer to cannot go: list them, so the editor knows what to change first.
      const referring = await this.referring(id);
      replace(this.confirmation,
        element("p", { role: "alert" }, `Not deleted: ${this.explain(error)}`),
        referring.length ? [element("p", {}, "Documents that refer to it:"),
          element("ul", {}, referring.map((document) => element("li", {},
            element("a", { href: `${this.editor.listHref}/${encodeURIComponent(`:${document._id}`)}` },
              `${document.title ?? "Untitled"} (${this.editor.workspace.type(document._type)?.title ?? document._type})`))))] : null);
      return;
    }
    written([id, draftID(id)]);
    location.hash = this.editor.listHref;
  }

  async referring(id) {
    try {
      const answer = await request(`/v1/data/query/${this.editor.workspace.dataset}`, {
        method: "POST",
        body: { query: "*[references($id)][0...20]{_id, _type, \"title\": coalesce(name, title)}", params: { id }, perspective: "raw" },
      });
      return answer.result ?? [];
    } catch {
      return [];
    }
  }

  /** A custom action on the document: its progress on the bar while it runs, then its message with its tone. */
  async run(action) {
    await this.editor.settle();
    this.running = true;
    this.update();
    this.say("");
    this.progress.start(action.title);
    let answer;
    try {
      answer = await runAction(`/v1/actions/${this.editor.workspace.dataset}/${encodeURIComponent(action.name)}`,
        { documentId: this.editor.id }, (progress) => this.progress.show(progress));
    } catch (error) {
      if (!(error instanceof SessionEnded)) this.say(`${action.title} failed: ${this.explain(error)}`, "failure");
      return;
    } finally {
      this.progress.stop();
      this.running = false;
      this.update();
    }
    if (answer?.transactionId) this.editor.ownTransactions.add(answer.transactionId);
    const ids = answer.writtenIds ?? [];
    if (ids.length > 0) {
      written(ids);
      this.editor.reload(answer.message, answer.tone);
    } else {
      this.say(answer.message, answer.tone);
    }
  }
}

/**
 * Tells the open panes that documents were written here (an action may write thousands at
 * once, more than live updates carry): lists reload on `facet:written`.
 */
export function written(ids) {
  window.dispatchEvent(new CustomEvent("facet:written", { detail: { ids } }));
}

/**
 * A labelled `<progress>` with a live line ("Fitting the models… 35%"), hidden between runs.
 * Screen readers hear the line when the stage changes or every tenth of the run, not at every
 * report, so that the announcements stay readable.
 */
class ActionProgressBar {
  constructor(idOf) {
    this.label = element("label", { for: idOf("action-progress-bar"), id: idOf("action-progress-label") });
    this.bar = element("progress", { id: idOf("action-progress-bar"), max: "100" });
    this.text = element("span", { id: idOf("action-progress-text"), class: "action-progress-text", "aria-live": "polite" });
    this.element = element("div", { class: "action-progress", id: idOf("action-progress"), hidden: true }, this.label, " ", this.bar, " ", this.text);
  }

  start(title) {
    this.label.textContent = title;
    // Without a value the bar is indeterminate, until the first report.
    this.bar.removeAttribute("value");
    this.text.textContent = "Starting…";
    this.announced = null;
    this.element.hidden = false;
  }

  show({ stage, done }) {
    const percent = Math.round(Math.min(1, Math.max(0, Number(done) || 0)) * 100);
    this.bar.value = percent;
    const step = `${stage}|${Math.floor(percent / 10)}`;
    if (step === this.announced) return;
    this.announced = step;
    const text = String(stage ?? "");
    this.text.textContent = `${text.charAt(0).toUpperCase()}${text.slice(1)}… ${percent}%`;
  }

  stop() {
    this.element.hidden = true;
  }
}

/**
 * POSTs an action asking for its progress as server-sent events (fetch, not EventSource, which
 * cannot send the Authorization header nor a body). Calls `onProgress({stage, done})` for each
 * `progress` event and answers the `result` event's body; throws an `APIError` for an `error`
 * event or a refusal. A server that answers JSON (a request refused before the action started)
 * is read as the plain answer.
 */
async function runAction(path, body, onProgress) {
  const response = await authorizedFetch(path, { method: "POST", body, headers: { Accept: "text/event-stream" } });
  if (!(response.headers.get("Content-Type") ?? "").includes("text/event-stream")) {
    const text = await response.text();
    let answer = null;
    try {
      answer = text ? JSON.parse(text) : null;
    } catch {
      answer = { error: { description: text.slice(0, 300), type: "notJSON" } };
    }
    if (!response.ok) throw new APIError(response.status, answer);
    return answer;
  }
  const answer = await readEvents(response.body, (event) => {
    let data = null;
    try {
      data = event.data ? JSON.parse(event.data) : null;
    } catch {
      // A garbled event is passed over; the result or the error still ends the stream.
    }
    if (event.type === "progress" && data) onProgress(data);
    else if (event.type === "result") return { data };
    else if (event.type === "error") throw new APIError(data?.statusCode ?? 500, data);
    return undefined;
  });
  if (answer) return answer.data;
  // The server finishes an action whose caller went away, so it may have run to its end.
  throw new Error("the connection closed before the action answered; reload the document to see what it wrote");
}
