// The document's other actions beside Publish: Discard changes, Unpublish, Duplicate, Delete
// (confirmed first), and the custom actions studio-config declares for the type. What the
// editor's role may not do is shown disabled, with the reason.

import { mutate, request, SessionEnded } from "./api.js";
import { element, replace } from "./dom.js";
import { draftID } from "./workspace.js";

export class DocumentActions {
  constructor(editor) {
    this.editor = editor;
    const { workspace, type } = editor;
    this.result = element("p", { class: "action-result", id: "action-result", role: "status" }, editor.lastMessage ?? "");
    this.confirmation = element("div", { class: "confirmation", hidden: true, role: "group", "aria-label": "Confirm deletion" });
    this.buttons = {
      discard: this.button("discard", "Discard changes", () => this.operation("discard", "Changes discarded")),
      unpublish: this.button("unpublish", "Unpublish", () => this.operation("unpublish", "Unpublished; the content is kept as a draft")),
      duplicate: this.button("duplicate", "Duplicate", () => this.duplicate()),
      delete: this.button("delete", "Delete", () => this.confirmDelete()),
    };
    const custom = (workspace.actions ?? []).filter((action) => action.types?.includes(type.name));
    this.custom = custom.map((action) => {
      const button = this.button(`action-${action.name}`, action.title, () => this.run(action));
      button.title = action.description ?? action.title;
      return button;
    });
    this.element = element("div", { class: "more-actions" },
      element("div", { class: "action-buttons", role: "group", "aria-label": "More actions" },
        Object.values(this.buttons), this.custom),
      this.confirmation,
      this.result);
    this.update();
  }

  button(id, title, action) {
    const button = element("button", { type: "button", class: "secondary", id: `action-${id.replace(/^action-/, "")}` }, title);
    button.addEventListener("click", action);
    return button;
  }

  /** Enables what applies to the document's state and the role's permissions, saying why not. */
  update() {
    const { workspace, type, hasDraft, isPublished } = this.editor;
    const role = workspace.me.role;
    const deny = (operation) => (workspace.may(operation, type.name) ? "" : `Your role (${role}) may not ${operation} ${type.title} documents.`);
    const reasons = {
      discard: deny("update") || (!hasDraft ? "There is no draft to discard." : !isPublished ? "The document was never published: delete it instead." : ""),
      unpublish: deny("publish") || (!isPublished ? "The document is not published." : ""),
      duplicate: deny("create"),
      delete: deny("delete"),
    };
    for (const [name, reason] of Object.entries(reasons)) {
      this.buttons[name].disabled = reason !== "";
      this.buttons[name].title = reason || this.buttons[name].textContent;
    }
    const actionReason = deny("action");
    for (const button of this.custom) {
      button.disabled = actionReason !== "";
      if (actionReason) button.title = actionReason;
    }
  }

  say(message, tone = "success") {
    this.result.textContent = message;
    this.result.dataset.tone = tone;
  }

  /** Publish's siblings at `/v1/data/<name>`: one transaction each, then the document again. */
  async operation(name, message) {
    await this.editor.settle();
    try {
      await request(`/v1/data/${name}/${this.editor.workspace.dataset}`, { method: "POST", body: { id: this.editor.id } });
    } catch (error) {
      if (!(error instanceof SessionEnded)) this.say(error.message, "failure");
      return;
    }
    this.editor.reload(message);
  }

  async duplicate() {
    await this.editor.settle();
    const copy = structuredClone(this.editor.document);
    for (const key of ["_id", "_rev", "_createdAt", "_updatedAt"]) delete copy[key];
    const id = `${this.editor.type.name}-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await mutate([{ create: { ...copy, _id: draftID(id) } }], { dataset: this.editor.workspace.dataset });
    } catch (error) {
      if (!(error instanceof SessionEnded)) this.say(error.message, "failure");
      return;
    }
    location.hash = `${this.editor.listHref}/${encodeURIComponent(`:${id}`)}`;
  }

  confirmDelete() {
    const yes = element("button", { type: "button", class: "danger", id: "confirm-delete" }, "Delete");
    const no = element("button", { type: "button", class: "secondary" }, "Cancel");
    yes.addEventListener("click", () => this.delete());
    no.addEventListener("click", () => {
      this.confirmation.hidden = true;
      this.buttons.delete.focus();
    });
    replace(this.confirmation, element("p", {}, "Delete this document, its draft and its published version?"), yes, no);
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
        element("p", { role: "alert" }, `Not deleted: ${error.message}`),
        referring.length ? [element("p", {}, "Documents that refer to it:"),
          element("ul", {}, referring.map((document) => element("li", {},
            element("a", { href: `${this.editor.listHref}/${encodeURIComponent(`:${document._id}`)}` },
              `${document.title ?? document._id} (${document._type})`))))] : null);
      return;
    }
    location.hash = this.editor.listHref;
  }

  async referring(id) {
    try {
      const answer = await request(`/v1/data/query/${this.editor.workspace.dataset}`, {
        method: "POST",
        body: { query: "*[references($id)][0...20]{_id, _type, \"title\": coalesce(name, title, _id)}", params: { id }, perspective: "raw" },
      });
      return answer.result ?? [];
    } catch {
      return [];
    }
  }

  /** A custom action on the document; its message is shown with its tone. */
  async run(action) {
    await this.editor.settle();
    let answer;
    try {
      answer = await request(`/v1/actions/${this.editor.workspace.dataset}/${encodeURIComponent(action.name)}`, {
        method: "POST", body: { documentId: this.editor.id },
      });
    } catch (error) {
      if (!(error instanceof SessionEnded)) this.say(`${action.title} failed: ${error.message}`, "failure");
      return;
    }
    if ((answer.writtenIds ?? []).length > 0) {
      this.editor.reload(answer.message, answer.tone);
    } else {
      this.say(answer.message, answer.tone);
    }
  }
}
