// Search everywhere (Ctrl+K or ⌘K outside rich text, or the header's Search button): one box over every document
// type the editor's role may read, by each type's own search fields, ignoring case and accents,
// best matches first; Enter opens the document where the desk lists its type.

import { query, SessionEnded } from "./api.js";
import { debounce, element, uniqueID } from "./dom.js";
import { deskHref } from "./desk.js";
import { publishedID } from "./workspace.js";

const limit = 20;

export class GlobalSearch {
  constructor(workspace) {
    this.workspace = workspace;
    this.types = workspace.documentTypes().map((type) => type.name).filter((name) => workspace.mayRead(name));
    this.results = [];
    this.active = -1;
    this.sequence = 0;
    const listID = uniqueID("everywhere-results");
    this.input = element("input", {
      type: "search", id: "search-everywhere", role: "combobox", autocomplete: "off", spellcheck: "false",
      "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listID,
      placeholder: "Search every document: a name, an email, an order number…",
    });
    this.list = element("ul", { id: listID, role: "listbox", class: "picker-results everywhere-results", "aria-label": "Documents found" });
    this.status = element("p", { class: "picker-status", "aria-live": "polite" });
    this.dialog = element("dialog", { class: "search-everywhere", "aria-labelledby": "search-everywhere-title" },
      element("div", { class: "dialog-heading" },
        element("h2", { id: "search-everywhere-title" }, "Search everywhere"),
        element("button", { type: "button", class: "icon", "aria-label": "Close the search", onclick: () => this.close() }, "✕")),
      element("label", { for: "search-everywhere", class: "visually-hidden" }, "Search every document"),
      this.input, this.status, this.list);
    document.body.append(this.dialog);
    const soon = debounce(() => this.search(), 200);
    this.input.addEventListener("input", () => soon());
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.dialog.addEventListener("click", (event) => { if (event.target === this.dialog) this.close(); });
    this.shortcut = (event) => {
      // Inside rich text, Ctrl+K makes a link: the text editor has the key first.
      if (event.defaultPrevented || event.target?.isContentEditable) return;
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        this.open();
      }
    };
    document.addEventListener("keydown", this.shortcut);
  }

  open() {
    if (!this.dialog.open) this.dialog.showModal();
    this.input.select();
    this.input.focus();
    if (!this.input.value) this.status.textContent = "Type to search; Enter opens the highlighted document.";
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  async search() {
    const words = this.input.value.replace(/[*"\\]/g, " ").trim().split(/\s+/).filter(Boolean);
    const mine = ++this.sequence;
    if (words.length === 0 || this.types.length === 0) {
      this.results = [];
      this.draw("");
      return;
    }
    const workspace = this.workspace;
    const members = ["_id", "_type", "_originalId", ...workspace.previewMembers(this.types), workspace.detailMember(this.types)].filter(Boolean);
    // One row more than shown says whether there are more; counting them all would read every
    // document a second time.
    // One sub-query per type, each read through the type's index, merged here by score: one
    // filter over every document would test each against every type. Fields reached through a
    // reference (an order's client name) are left to that document's own search: following a
    // reference for each of a hundred thousand documents is what makes a search slow, and the
    // client found lists its orders under Referenced by.
    const own = { throughReferences: false };
    const parts = [];
    for (const [index, type] of this.types.entries()) {
      const condition = workspace.searchCondition([type], own);
      if (condition === "false") continue;
      parts.push(`"t${index}": *[_type == ${JSON.stringify(type)} && ${condition}] | order(_updatedAt desc) `
        + `| score(${workspace.searchScore([type], own)}) [0...${limit + 1}] {${members.join(", ")}, _score, _updatedAt}`);
    }
    const groq = `{${parts.join(", ")}}`;
    this.status.textContent = "Searching…";
    try {
      const answer = await query(groq, { __search: words.map((word) => `${word}*`).join(" ") },
        { dataset: workspace.dataset, perspective: "drafts" });
      if (mine !== this.sequence) return;
      const found = Object.values(answer.result ?? {}).flat()
        .sort((a, b) => (b._score - a._score) || String(b._updatedAt).localeCompare(String(a._updatedAt)));
      this.hasMore = found.length > limit;
      this.results = found.slice(0, limit);
      this.draw(words.join(" "));
    } catch (error) {
      if (mine !== this.sequence || error instanceof SessionEnded) return;
      this.results = [];
      this.list.replaceChildren();
      this.status.textContent = `The search failed: ${error.message}`;
    }
  }

  draw(term) {
    const workspace = this.workspace;
    this.list.replaceChildren(...this.results.map((found, index) => {
      const type = workspace.type(found._type);
      const subtitle = workspace.previewText(found._type, "subtitle", found.subtitle);
      const detail = workspace.detailText(found._type, found.detail, [subtitle]);
      const option = element("li", { id: `${this.list.id}-${index}`, role: "option", class: "picker-option", "aria-selected": "false" },
        element("span", { class: "item-title" }, String(workspace.previewText(found._type, "title", found.title) || publishedID(found._id))),
        element("span", { class: "item-subtitle" }, [type?.title ?? found._type, subtitle, detail].filter(Boolean).join(" · ")));
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => this.pick(index));
      return option;
    }));
    this.input.setAttribute("aria-expanded", String(this.results.length > 0));
    this.status.textContent = !term ? "" : (this.results.length
      ? (this.hasMore ? `More than ${this.results.length} documents match “${term}”; the best are shown.`
        : (this.results.length === 1 ? `1 document matches “${term}”.` : `${this.results.length} documents match “${term}”.`))
      : `Nothing matches “${term}”.`);
    this.highlight(this.results.length ? 0 : -1);
  }

  highlight(index) {
    this.active = index;
    for (const [position, option] of [...this.list.children].entries()) {
      option.setAttribute("aria-selected", String(position === index));
      if (position === index) {
        this.input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView?.({ block: "nearest" });
      }
    }
    if (index < 0) this.input.removeAttribute("aria-activedescendant");
  }

  key(event) {
    const count = this.results.length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      this.highlight((this.active + 1) % count);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      this.highlight((this.active - 1 + count) % count);
    } else if (event.key === "Enter" && this.active >= 0) {
      event.preventDefault();
      this.pick(this.active);
    }
  }

  pick(index) {
    const found = this.results[index];
    if (!found) return;
    this.close();
    location.hash = deskHref([...this.workspace.deskPathOf(found._type), `:${publishedID(found._id)}`]);
  }

  destroy() {
    document.removeEventListener("keydown", this.shortcut);
    this.dialog.remove();
  }
}
