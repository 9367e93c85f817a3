// Reports: screens the server computes for the signed-in user (the CRM's "This week"), drawn
// as sections of cards. Each card names a document (a link to it in the desk), says why it is
// there in one sentence, shows one figure, and offers one-click actions; a card whose work is
// done says so. The address is `#/reports/<name>?<filter>=<value>`.

import { APIError, request, SessionEnded } from "./api.js";
import { announce, element, replace, uniqueID } from "./dom.js";

/** The report's name and its filters, from the address's hash. */
export function reportAddress(hash) {
  const [path, search = ""] = hash.replace(/^#\/reports\/?/, "").split("?");
  return { name: decodeURIComponent(path.split("/")[0] ?? ""), filters: new URLSearchParams(search) };
}

export class ReportScreen {
  constructor(container, workspace, hash) {
    this.workspace = workspace;
    this.container = container;
    this.navigate(hash);
  }

  navigate(hash) {
    const { name, filters } = reportAddress(hash);
    this.report = (this.workspace.reports ?? []).find((report) => report.name === name) ?? this.workspace.reports?.[0];
    this.filters = filters;
    this.message = element("p", { class: "report-message", role: "status", id: "report-message" });
    this.body = element("div", { class: "report-body", "aria-busy": "true" }, element("p", { class: "loading" }, "Loading…"));
    if (!this.report) {
      replace(this.container, element("div", { class: "report" }, element("h1", {}, "Reports"), element("p", {}, "There is no report to show.")));
      return;
    }
    replace(this.container, element("div", { class: "report", id: `report-${this.report.name}` },
      element("h1", { id: "report-title" }, this.report.title), this.message, this.body));
    this.load();
  }

  /** Asks the server for the page, with the filters of the address. */
  async load() {
    const query = this.filters.toString();
    const dataset = encodeURIComponent(this.workspace.dataset);
    try {
      const page = await request(`/v1/reports/${dataset}/${encodeURIComponent(this.report.name)}${query ? `?${query}` : ""}`);
      this.draw(page);
    } catch (error) {
      if (error instanceof SessionEnded) return;
      this.body.removeAttribute("aria-busy");
      replace(this.body, element("p", { class: "report-error", role: "alert" }, error.message));
    }
  }

  draw(page) {
    this.body.removeAttribute("aria-busy");
    const sections = page.sections ?? [];
    replace(this.body,
      page.subtitle ? element("p", { class: "report-subtitle" }, page.subtitle) : null,
      (page.filters ?? []).map((filter) => this.filterControl(filter)),
      sections.map((section) => this.section(section)),
      this.pager(page.paging),
      // With nothing to show, the notes say why, in full; otherwise they wait behind a summary.
      sections.length === 0
        ? element("p", { class: "report-empty" }, page.notes || "Nothing to show.")
        : page.notes ? element("details", { class: "report-notes" }, element("summary", {}, "How this list is made"), element("p", {}, page.notes)) : null);
  }

  /** "Advisors 11–20 of 163" with Previous and Next, when the page is one of several. */
  pager(paging) {
    if (!paging || typeof paging.total !== "number" || paging.total <= paging.limit) return null;
    const offset = paging.offset ?? 0, limit = paging.limit ?? 10, total = paging.total;
    const go = (start) => {
      const filters = new URLSearchParams(this.filters);
      if (start > 0) filters.set("offset", String(start)); else filters.delete("offset");
      location.hash = `#/reports/${encodeURIComponent(this.report.name)}?${filters.toString()}`;
    };
    const unit = paging.unit ? paging.unit[0].toUpperCase() + paging.unit.slice(1) : "Items";
    const last = Math.min(total, offset + limit);
    return element("nav", { class: "report-pager", "aria-label": "Pages" },
      element("button", { type: "button", disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)) }, "Previous"),
      element("span", { class: "report-pager-position" }, offset >= total ? `${unit}: none past ${total}` : `${unit} ${offset + 1}–${last} of ${total}`),
      element("button", { type: "button", disabled: last >= total, onclick: () => go(offset + limit) }, "Next"));
  }

  filterControl(filter) {
    const id = uniqueID("report-filter");
    const select = element("select", {
      id, name: filter.name,
      onchange: () => {
        const filters = new URLSearchParams(this.filters);
        if (select.value) filters.set(filter.name, select.value); else filters.delete(filter.name);
        filters.delete("offset");
        const query = filters.toString();
        location.hash = `#/reports/${encodeURIComponent(this.report.name)}${query ? `?${query}` : ""}`;
      },
    }, (filter.options ?? []).map((option) => element("option", { value: option.value, selected: option.value === (filter.value ?? "") }, option.title)));
    return element("div", { class: "report-filter" }, element("label", { for: id }, filter.title), select);
  }

  section(section) {
    const heading = uniqueID("report-section");
    return element("section", { class: "report-section", "aria-labelledby": heading, dataset: { section: section.id ?? "" } },
      element("h2", { id: heading }, section.title),
      section.subtitle ? element("p", { class: "report-section-subtitle" }, section.subtitle) : null,
      (section.items ?? []).length === 0
        ? element("p", { class: "report-empty" }, "No one on this list.")
        : element("ol", { class: "report-cards" }, section.items.map((item) => this.card(item))));
  }

  card(item) {
    const done = Boolean(item.done);
    const title = item.documentId
      ? element("a", { class: "report-card-title", href: `#/desk/:${encodeURIComponent(item.documentId)}` }, item.title)
      : element("span", { class: "report-card-title" }, item.title);
    const actions = done || !(item.actions ?? []).length ? null : element("div", { class: "report-card-actions", role: "group", "aria-label": `Contacted ${item.title}` },
      element("span", { class: "report-card-actions-label", "aria-hidden": "true" }, "Contacted:"),
      item.actions.map((action) => element("button", {
        type: "button", title: action.description ?? action.title, "aria-label": action.description ?? action.title,
        onclick: (event) => this.act(item, action, event.currentTarget),
      }, action.title)));
    return element("li", { class: `report-card${done ? " is-done" : ""}`, dataset: { item: item.id } },
      element("div", { class: "report-card-head" },
        element("h3", {}, title),
        (item.badges ?? []).map((badge) => element("span", { class: "report-badge", "data-tone": badge.tone ?? "info" }, badge.text)),
        item.figure ? element("span", { class: "report-figure" }, item.figure,
          item.figureLabel ? element("span", { class: "report-figure-label" }, ` ${item.figureLabel}`) : null) : null),
      element("p", { class: "report-sentence" }, item.sentence),
      done ? element("p", { class: "report-done" }, element("span", { "aria-hidden": "true" }, "✓ "), item.done) : actions);
  }

  /** Runs a card's action, then shows the page again as it now stands. */
  async act(item, action, button) {
    const group = button.closest(".report-card-actions");
    for (const other of group?.querySelectorAll("button") ?? []) other.disabled = true;
    try {
      const answer = await request(`/v1/reports/${encodeURIComponent(this.workspace.dataset)}/${encodeURIComponent(this.report.name)}`, {
        method: "POST", body: { item: item.id, action: action.name, params: action.params ?? {} },
      });
      this.say(answer.message, "success");
      await this.load();
    } catch (error) {
      if (error instanceof SessionEnded) return;
      for (const other of group?.querySelectorAll("button") ?? []) other.disabled = false;
      this.say(error instanceof APIError ? error.message : String(error), "error");
    }
  }

  say(text, tone) {
    this.message.textContent = text;
    this.message.dataset.tone = tone;
    announce(text);
  }
}
