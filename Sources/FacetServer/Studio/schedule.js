// Scheduling a document's publish or unpublish from its editor: a time and an action, the
// document's waiting schedules with who made them, and Cancel.

import { APIError, request, SessionEnded } from "./api.js";
import { element, replace } from "./dom.js";
import { relativeTime } from "./integrations.js";

export class DocumentSchedule {
  constructor(editor) {
    this.editor = editor;
    this.dataset = editor.workspace.dataset;
    this.id = editor.id;
    this.toggle = element("button", { type: "button", class: "schedule-toggle", id: editor.idOf("schedule"), "aria-expanded": "false",
      "aria-controls": editor.idOf("schedule-panel"), onclick: () => this.open(!this.isOpen) }, "Schedule…");
    this.when = element("input", { type: "datetime-local", id: editor.idOf("schedule-at"), required: true });
    this.action = element("select", { id: editor.idOf("schedule-action") },
      element("option", { value: "publish" }, "Publish"), element("option", { value: "unpublish" }, "Unpublish"));
    this.status = element("p", { class: "schedule-status", role: "status" });
    this.list = element("ul", { class: "document-schedules", id: editor.idOf("schedule-list") });
    const form = element("form", { class: "schedule-form", id: editor.idOf("schedule-form") },
      element("label", {}, "Action", this.action),
      element("label", {}, "At", this.when),
      element("button", { type: "submit", class: "primary", id: editor.idOf("schedule-save") }, "Schedule"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.panel = element("div", { class: "schedule-panel", id: editor.idOf("schedule-panel"), hidden: true }, form, this.status);
    this.element = element("div", { class: "document-schedule", hidden: true }, this.panel, this.list);
    this.isOpen = false;
    this.count = 0;
    this.load();
  }

  open(open) {
    this.isOpen = open;
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    this.element.hidden = !open && this.count === 0;
    if (open) {
      // An hour from now, on the minute, as a start.
      const start = new Date(Date.now() + 3600 * 1000);
      start.setSeconds(0, 0);
      const local = new Date(start.getTime() - start.getTimezoneOffset() * 60000);
      if (!this.when.value) this.when.value = local.toISOString().slice(0, 16);
      this.when.focus();
    }
  }

  async load() {
    try {
      const answer = await request(`/v1/schedules/${this.dataset}?state=scheduled&documentId=${encodeURIComponent(this.id)}`);
      this.show(answer.schedules ?? []);
    } catch (error) {
      if (!(error instanceof SessionEnded)) replace(this.list);
    }
  }

  show(schedules) {
    this.count = schedules.length;
    this.element.hidden = !this.isOpen && this.count === 0;
    replace(this.list, schedules.map((schedule) => element("li", { "data-id": schedule.id },
      element("span", {}, `${schedule.action === "publish" ? "Publishes" : "Unpublishes"} `,
        element("time", { datetime: schedule.at, title: schedule.at }, new Date(schedule.at).toLocaleString()),
        ` (${relativeTime(schedule.at)}), scheduled by ${schedule.createdBy ?? "an editor"}`),
      element("button", { type: "button", class: "cancel-schedule", "aria-label": `Cancel the ${schedule.action} at ${new Date(schedule.at).toLocaleString()}`,
        onclick: () => this.cancel(schedule) }, "Cancel"))));
  }

  async save() {
    if (!this.when.value) {
      this.status.textContent = "Choose when.";
      return;
    }
    const at = new Date(this.when.value);
    try {
      await this.editor.settle();
      await request(`/v1/schedules/${this.dataset}`, { method: "POST", body: { documentId: this.id, action: this.action.value, at: at.toISOString() } });
      this.status.textContent = "";
      this.open(false);
      this.editor.actions.say(`${this.action.value === "publish" ? "Publishing" : "Unpublishing"} is scheduled for ${at.toLocaleString()} (${relativeTime(at.toISOString())}).`, "success");
      this.load();
    } catch (error) {
      if (error instanceof SessionEnded) return;
      this.status.textContent = error instanceof APIError ? [error.message, error.details?.advice].filter(Boolean).join(" ") : String(error);
    }
  }

  async cancel(schedule) {
    try {
      await request(`/v1/schedules/${this.dataset}/${encodeURIComponent(schedule.id)}`, { method: "DELETE" });
      this.editor.actions.say(`The scheduled ${schedule.action} is cancelled.`, "success");
    } catch (error) {
      if (!(error instanceof SessionEnded)) this.editor.actions.say(error.message, "error");
    }
    this.load();
  }
}
