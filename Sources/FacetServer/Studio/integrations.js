// Integrations: what is scheduled to be published or unpublished, by whom and how it went; and
// for admins, the webhooks that tell other systems of changes, with each delivery and attempt.

import { APIError, request, SessionEnded } from "./api.js";
import { announce, element, replace, uniqueID } from "./dom.js";

const operations = ["create", "update", "delete"];
const methods = ["POST", "PUT", "PATCH", "DELETE", "GET"];

/** "in 3 hours", "2 days ago": a time as people say it, beside the exact one. */
export function relativeTime(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = (Date.parse(iso) - now) / 1000;
  const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  const words = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return words.format(Math.round(seconds / size), unit);
  }
  return seconds >= 0 ? "in under a minute" : "just now";
}

/** A time shown as the editor's local date and time, with the relative words. */
export function timeCell(iso) {
  if (!iso) return element("td", {}, "—");
  return element("td", {},
    element("time", { datetime: iso, title: iso }, new Date(iso).toLocaleString()),
    element("span", { class: "relative-time" }, ` (${relativeTime(iso)})`));
}

export class Integrations {
  constructor(container, workspace) {
    this.workspace = workspace;
    this.dataset = workspace.dataset;
    this.isAdmin = (workspace.me.permissions?.capabilities ?? []).includes("datasets") || !workspace.me.permissions;
    this.stateFilter = element("select", { id: "schedule-state", onchange: () => this.loadSchedules() },
      element("option", { value: "" }, "All"),
      ["scheduled", "done", "failed", "cancelled"].map((state) => element("option", { value: state }, state)));
    this.schedules = element("div", { class: "integration-list", id: "schedule-list", "aria-live": "polite" });
    this.hooks = element("div", { class: "integration-list", id: "hook-list" });
    this.hookPanel = element("div", { class: "hook-panel", id: "hook-panel" });
    this.message = element("p", { class: "integration-message", role: "status", id: "integration-message" });
    replace(container, element("div", { class: "integrations" },
      element("h1", { id: "integrations-title" }, "Integrations"),
      this.message,
      element("section", { "aria-labelledby": "schedules-title" },
        element("div", { class: "section-head" },
          element("h2", { id: "schedules-title" }, "Scheduled publishing"),
          element("label", { for: "schedule-state" }, "Show"), this.stateFilter),
        element("p", { class: "hint" }, "Schedule a publish or unpublish from a document's actions. Each one runs once, at its time."),
        this.schedules),
      element("section", { "aria-labelledby": "hooks-title" },
        element("div", { class: "section-head" },
          element("h2", { id: "hooks-title" }, "Webhooks"),
          this.isAdmin ? element("button", { type: "button", class: "primary", id: "new-hook", onclick: () => this.editHook(null) }, "New webhook") : null),
        this.isAdmin
          ? element("p", { class: "hint" }, "Each change that matches a hook's filter is sent to its URL, signed, and tried again until it is delivered.")
          : element("p", { class: "hint" }, "Only admins manage webhooks."),
        this.isAdmin ? this.hooks : null,
        this.hookPanel)));
    this.loadSchedules();
    if (this.isAdmin) this.loadHooks();
  }

  say(text, tone = "success") {
    this.message.textContent = text;
    this.message.dataset.tone = tone;
    announce(text);
  }

  failed(error) {
    if (error instanceof SessionEnded) return;
    this.say(error instanceof APIError ? error.message : String(error), "error");
  }

  // MARK: Schedules

  async loadSchedules() {
    const state = this.stateFilter.value;
    try {
      const answer = await request(`/v1/schedules/${this.dataset}${state ? `?state=${state}` : ""}`);
      this.showSchedules(answer.schedules ?? []);
    } catch (error) {
      replace(this.schedules, element("p", { class: "notice" }, error instanceof APIError ? error.message : "The schedules could not be read."));
    }
  }

  showSchedules(schedules) {
    if (!schedules.length) {
      replace(this.schedules, element("p", { class: "empty" }, "Nothing is scheduled."));
      return;
    }
    const rows = schedules.map((schedule) => element("tr", { "data-id": schedule.id, "data-state": schedule.state },
      element("td", {}, element("code", {}, schedule.documentId)),
      element("td", {}, schedule.action),
      timeCell(schedule.at),
      element("td", {}, element("span", { class: `state state-${schedule.state}` }, schedule.state)),
      element("td", {}, schedule.createdBy ?? "—"),
      element("td", { class: "outcome" }, schedule.outcome ?? ""),
      element("td", {}, schedule.state === "scheduled"
        ? element("button", { type: "button", class: "cancel-schedule", "aria-label": `Cancel the ${schedule.action} of ${schedule.documentId}`,
          onclick: () => this.cancelSchedule(schedule) }, "Cancel")
        : null)));
    replace(this.schedules, element("div", { class: "table-scroll" }, element("table", { class: "data-table" },
      element("caption", { class: "visually-hidden" }, "Scheduled publishing"),
      element("thead", {}, element("tr", {}, ["Document", "Action", "When", "State", "By", "Outcome", ""].map((name) =>
        element("th", { scope: "col" }, name)))),
      element("tbody", {}, rows))));
  }

  async cancelSchedule(schedule) {
    try {
      await request(`/v1/schedules/${this.dataset}/${encodeURIComponent(schedule.id)}`, { method: "DELETE" });
      this.say(`The ${schedule.action} of ${schedule.documentId} is cancelled.`);
      this.loadSchedules();
    } catch (error) {
      this.failed(error);
    }
  }

  // MARK: Webhooks

  async loadHooks() {
    try {
      const answer = await request(`/v1/hooks/${this.dataset}`);
      this.showHooks(answer.hooks ?? []);
    } catch (error) {
      replace(this.hooks, element("p", { class: "notice" }, error instanceof APIError ? error.message : "The webhooks could not be read."));
    }
  }

  showHooks(hooks) {
    if (!hooks.length) {
      replace(this.hooks, element("p", { class: "empty" }, "No webhooks yet."));
      return;
    }
    replace(this.hooks, element("ul", { class: "hooks" }, hooks.map((hook) => element("li", { class: "hook", "data-id": hook.id },
      element("div", { class: "hook-summary" },
        element("strong", {}, hook.name),
        element("span", { class: `state ${hook.enabled ? "state-done" : "state-cancelled"}` }, hook.enabled ? "enabled" : "disabled"),
        element("code", { class: "hook-url" }, `${hook.httpMethod} ${hook.url}`),
        element("span", { class: "hook-on" }, `on ${hook.on.join(", ")}${hook.filter ? ` where ${hook.filter}` : ""}`)),
      element("div", { class: "hook-buttons" },
        element("button", { type: "button", class: "edit-hook", "aria-label": `Edit ${hook.name}`, onclick: () => this.editHook(hook) }, "Edit"),
        element("button", { type: "button", class: "hook-deliveries", "aria-label": `Deliveries of ${hook.name}`, onclick: () => this.showDeliveries(hook) }, "Deliveries"),
        element("button", { type: "button", class: "danger delete-hook", "aria-label": `Delete ${hook.name}`, onclick: () => this.deleteHook(hook) }, "Delete"))))));
  }

  /** The form for a new hook (`hook` null) or for changing one. */
  editHook(hook) {
    const field = (label, input, hint = null) => {
      const id = input.id || uniqueID("hook");
      input.id = id;
      return element("div", { class: "hook-field", "data-field": input.name },
        element("label", { for: id }, label), input, hint ? element("p", { class: "hint" }, hint) : null,
        element("p", { class: "field-error", role: "alert" }));
    };
    const name = element("input", { name: "name", value: hook?.name ?? "", required: true, autocomplete: "off" });
    const url = element("input", { name: "url", type: "url", value: hook?.url ?? "", placeholder: "https://shop.example/hooks/facet", required: true });
    const description = element("input", { name: "description", value: hook?.description ?? "" });
    const on = operations.map((operation) => element("label", { class: "check" },
      element("input", { type: "checkbox", name: "on", value: operation, checked: hook ? hook.on.includes(operation) : true }), ` ${operation}`));
    const filter = element("textarea", { name: "filter", class: "code", rows: 2, spellcheck: "false", placeholder: "_type == \"salesOrder\" && delta::changedAny(status)", value: hook?.filter ?? "" });
    const projection = element("textarea", { name: "projection", class: "code", rows: 2, spellcheck: "false", placeholder: "{_id, status}", value: hook?.projection ?? "" });
    const method = element("select", { name: "httpMethod" }, methods.map((name) => element("option", { value: name }, name)));
    method.value = hook?.httpMethod ?? "POST";
    const headers = element("textarea", { name: "headers", class: "code", rows: 2, spellcheck: "false", placeholder: "{\"x-shop\": \"paris\"}",
      value: hook && Object.keys(hook.headers).length ? JSON.stringify(hook.headers, null, 1) : "" });
    const drafts = element("input", { type: "checkbox", name: "includeDrafts", checked: hook?.includeDrafts ?? false });
    const enabled = element("input", { type: "checkbox", name: "enabled", checked: hook?.enabled ?? true });
    const secret = element("input", { name: "secret", type: "password", autocomplete: "new-password",
      placeholder: hook?.hasSecret ? "unchanged (a secret is set)" : "none" });
    const save = element("button", { type: "submit", class: "primary", id: "save-hook" }, hook ? "Save webhook" : "Create webhook");
    const form = element("form", { class: "hook-form", id: "hook-form", "aria-labelledby": "hook-form-title", novalidate: true },
      element("h3", { id: "hook-form-title" }, hook ? `Edit ${hook.name}` : "New webhook"),
      field("Name", name), field("URL", url), field("Description", description),
      element("fieldset", { class: "hook-field", "data-field": "on" }, element("legend", {}, "Send on"), on, element("p", { class: "field-error", role: "alert" })),
      field("Filter (GROQ)", filter, "The inside of *[…]; before(), after() and delta:: read the change."),
      field("Projection (GROQ)", projection, "The body sent; the whole document when empty."),
      field("HTTP method", method), field("Headers (JSON)", headers),
      element("label", { class: "check" }, drafts, " Include drafts"),
      element("label", { class: "check" }, enabled, " Enabled"),
      field("Secret", secret, "Signs each delivery (sanity-webhook-signature). Never shown again."),
      element("div", { class: "inline-row" }, save,
        element("button", { type: "button", onclick: () => replace(this.hookPanel) }, "Close")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      for (const error of form.querySelectorAll(".field-error")) error.textContent = "";
      let headerObject = {};
      if (headers.value.trim()) {
        try { headerObject = JSON.parse(headers.value); } catch {
          form.querySelector('[data-field="headers"] .field-error').textContent = "Headers must be a JSON object of names and values.";
          headers.focus();
          return;
        }
      }
      const body = {
        name: name.value, url: url.value, description: description.value || null,
        on: on.map((label) => label.querySelector("input")).filter((box) => box.checked).map((box) => box.value),
        filter: filter.value || null, projection: projection.value || null, httpMethod: method.value,
        headers: headerObject, includeDrafts: drafts.checked, enabled: enabled.checked,
      };
      if (secret.value) body.secret = secret.value;
      try {
        const path = hook ? `/v1/hooks/${this.dataset}/${encodeURIComponent(hook.id)}` : `/v1/hooks/${this.dataset}`;
        await request(path, { method: hook ? "PATCH" : "POST", body });
        replace(this.hookPanel);
        this.say(hook ? `${body.name} is saved.` : `${body.name} is created: it is sent the changes from now on.`);
        this.loadHooks();
      } catch (error) {
        const at = error instanceof APIError ? error.details?.field?.split(".")[0] : null;
        const place = at ? form.querySelector(`[data-field="${at}"] .field-error`) : null;
        if (place) {
          place.textContent = [error.message, error.details?.advice].filter(Boolean).join(" ");
          form.querySelector(`[data-field="${at}"] input, [data-field="${at}"] textarea, [data-field="${at}"] select`)?.focus();
        } else {
          this.failed(error);
        }
      }
    });
    replace(this.hookPanel, form);
    name.focus();
  }

  async deleteHook(hook) {
    if (!window.confirm(`Delete the webhook ${hook.name}? Its delivery log goes with it.`)) return;
    try {
      await request(`/v1/hooks/${this.dataset}/${encodeURIComponent(hook.id)}`, { method: "DELETE" });
      replace(this.hookPanel);
      this.say(`${hook.name} is deleted.`);
      this.loadHooks();
    } catch (error) {
      this.failed(error);
    }
  }

  /** What was queued for `hook`, newest first, with each delivery's attempts on demand. */
  async showDeliveries(hook) {
    let deliveries;
    try {
      deliveries = (await request(`/v1/hooks/${this.dataset}/${encodeURIComponent(hook.id)}/deliveries?limit=50`)).deliveries ?? [];
    } catch (error) {
      this.failed(error);
      return;
    }
    const attempts = element("div", { class: "attempts", id: "hook-attempts" });
    const rows = deliveries.map((delivery) => element("tr", { "data-id": delivery.id, "data-state": delivery.state },
      timeCell(delivery.queuedAt),
      element("td", {}, element("code", {}, delivery.documentId)),
      element("td", {}, delivery.operation),
      element("td", {}, element("span", { class: `state state-${delivery.state === "delivered" ? "done" : delivery.state === "failed" ? "failed" : "scheduled"}` }, delivery.state)),
      element("td", {}, String(delivery.attempts)),
      element("td", { class: "outcome" }, delivery.lastError ?? ""),
      element("td", {},
        element("button", { type: "button", class: "show-attempts", "aria-label": `Attempts for ${delivery.documentId}`,
          onclick: () => this.showAttempts(hook, delivery, attempts) }, "Attempts"),
        delivery.state !== "pending"
          ? element("button", { type: "button", class: "redeliver", "aria-label": `Redeliver ${delivery.documentId}`,
            onclick: () => this.redeliver(hook, delivery) }, "Redeliver")
          : null)));
    replace(this.hookPanel, element("section", { class: "deliveries", "aria-labelledby": "deliveries-title" },
      element("h3", { id: "deliveries-title" }, `Deliveries of ${hook.name}`),
      deliveries.length
        ? element("div", { class: "table-scroll" }, element("table", { class: "data-table" },
          element("thead", {}, element("tr", {}, ["Queued", "Document", "Change", "State", "Attempts", "Last error", ""].map((name) =>
            element("th", { scope: "col" }, name)))),
          element("tbody", {}, rows)))
        : element("p", { class: "empty" }, "Nothing has been queued for this hook yet."),
      attempts,
      element("button", { type: "button", onclick: () => replace(this.hookPanel) }, "Close")));
  }

  async showAttempts(hook, delivery, place) {
    try {
      const answer = await request(`/v1/hooks/${this.dataset}/${encodeURIComponent(hook.id)}/attempts?delivery=${encodeURIComponent(delivery.id)}`);
      const list = answer.attempts ?? [];
      replace(place, element("h4", {}, `Attempts for ${delivery.documentId}`), list.length
        ? element("ol", {}, list.map((attempt) => element("li", {},
          `${new Date(attempt.at).toLocaleString()}: `,
          attempt.status ? `answered ${attempt.status}` : "no answer",
          ` in ${attempt.latencyMs} ms`,
          attempt.error ? ` — ${attempt.error}` : "",
          attempt.response ? element("pre", { class: "code response" }, attempt.response) : null)))
        : element("p", { class: "empty" }, "Not tried yet."));
    } catch (error) {
      this.failed(error);
    }
  }

  async redeliver(hook, delivery) {
    try {
      await request(`/v1/hooks/${this.dataset}/${encodeURIComponent(hook.id)}/deliveries/${encodeURIComponent(delivery.id)}/redeliver`, { method: "POST", body: {} });
      this.say(`The change to ${delivery.documentId} is queued again.`);
      this.showDeliveries(hook);
    } catch (error) {
      this.failed(error);
    }
  }
}
