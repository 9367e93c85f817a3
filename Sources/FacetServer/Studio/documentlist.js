// A pane of documents: a structure item's filter, each document shown by its type's preview,
// searchable (ranked, ignoring case and accents), in the type's orderings, paged as the editor
// scrolls with the total shown, and updated in place when documents change elsewhere. "New"
// starts a document of the list's type, filled with what the list's filter says of it.

import { imagePicture } from "./assets.js";
import { query, SessionEnded } from "./api.js";
import { debounce, element, replace } from "./dom.js";
import { listen } from "./listen.js";
import { publishedID } from "./workspace.js";
import { deskHref } from "./desk.js";
import { NewDocumentMenu } from "./newmenu.js";

const pageSize = 50;

export class DocumentList {
  constructor(container, workspace, node, path) {
    this.workspace = workspace;
    this.node = node;
    this.path = path;
    this.filter = node.kind === "documentTypeList" ? "_type == $__type" : node.filter;
    this.params = node.kind === "documentTypeList" ? { __type: node.schemaType } : { ...(node.params ?? {}) };
    this.types = node.schemaType ? [node.schemaType] : workspace.documentTypes().map((type) => type.name);
    // Rows get a media box when a listed type's preview selects one (an image, usually).
    this.showsMedia = this.types.some((type) => workspace.type(type)?.preview?.select?.media);
    this.rows = new Map();
    this.selected = null;
    this.generation = 0;
    // How many rows the editor has scrolled to: a reload after a change keeps them all.
    this.wanted = pageSize;
    this.total = null;

    const headingID = `pane-${path.join("-")}`;
    container.setAttribute("aria-labelledby", headingID);
    this.search = element("input", {
      type: "search", id: `${headingID}-search`, class: "search", placeholder: "Search",
      oninput: debounce(() => { this.wanted = pageSize; this.load(); }, 250),
    });
    this.ordering = this.orderingSelect(headingID);
    this.list = element("ul", { class: "pane-list documents", "aria-labelledby": headingID, "aria-busy": "true" });
    this.status = element("p", { class: "pane-status", role: "status" }, "Loading…");
    this.more = element("button", { type: "button", class: "secondary load-more", hidden: true, onclick: () => this.loadMore() }, "Show more");
    this.newMenu = new NewDocumentMenu(workspace, this.creatableTypes(), {
      label: `New document in ${node.title}`,
      fill: (type) => this.impliedValues(type),
      open: (id) => { location.hash = deskHref([...this.path, `:${id}`]); },
    });
    replace(container,
      element("div", { class: "pane-heading" },
        element("h2", { class: "pane-title", id: headingID }, node.title),
        this.newMenu.element),
      element("div", { class: "pane-tools" },
        element("label", { for: this.search.id, class: "visually-hidden" }, `Search ${node.title}`),
        this.search,
        this.ordering),
      this.status,
      element("nav", { "aria-labelledby": headingID }, this.list, this.more));
    // More rows come as the end of the list scrolls into view; the button does it by hand.
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && !this.more.hidden && !this.loading) this.loadMore();
    }, { root: container, rootMargin: "200px" });
    this.observer.observe(this.more);
    this.load();
    this.listener = listen(this.filter, this.params, {
      dataset: workspace.dataset,
      onMutation: debounce(() => this.load(), 300),
      onError: (message) => { this.status.textContent = `Live updates are off: ${message}`; },
    });
    // An action may write more documents at once than live updates carry: it says so, and the list reloads.
    this.onWritten = () => this.load();
    window.addEventListener("facet:written", this.onWritten);
  }

  /** A choice of the type's orderings, when the list shows one type that declares some. */
  orderingSelect(headingID) {
    const orderings = this.types.length === 1 ? (this.workspace.type(this.types[0])?.orderings ?? []) : [];
    if (orderings.length === 0) return null;
    const id = `${headingID}-order`;
    const select = element("select", { id, class: "ordering", onchange: () => { this.wanted = pageSize; this.load(); } },
      element("option", { value: "" }, "Last edited"),
      orderings.map((ordering) => element("option", { value: ordering.name }, ordering.title)));
    this.orderings = orderings;
    return [element("label", { for: id, class: "visually-hidden" }, "Sort by"), select];
  }

  orderClause() {
    const select = Array.isArray(this.ordering) ? this.ordering[1] : null;
    const chosen = this.orderings?.find((ordering) => ordering.name === select?.value);
    if (!chosen) return "order(_updatedAt desc)";
    return `order(${chosen.by.map((part) => `${part.field} ${part.direction}`).join(", ")})`;
  }

  /** The preview of every listed type as one projection. */
  projection() {
    return `{${["_id", "_type", "_updatedAt", "_originalId", ...this.workspace.previewMembers(this.types)].join(", ")}}`;
  }

  /** The types "New" offers here: the list's type, or those its filter names, that the role may start. */
  creatableTypes() {
    let names = this.node.schemaType ? [this.node.schemaType] : [];
    if (names.length === 0) {
      const match = /_type\s*(?:==\s*"([^"]+)"|in\s*\[([^\]]*)\])/.exec(this.filter ?? "");
      if (match) names = match[1] ? [match[1]] : [...match[2].matchAll(/"([^"]+)"/g)].map((found) => found[1]);
    }
    return names.filter((name) => this.workspace.mayCreate(name));
  }

  /**
   * What the list's filter says of its documents (`tier == $tier` in the Gold list): a new
   * document started here gets those values, so it shows in the list it was made from.
   */
  impliedValues(typeName) {
    const type = this.workspace.type(typeName);
    const values = {};
    for (const found of (this.filter ?? "").matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*==\s*\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const [, field, parameter] = found;
      if (field.startsWith("_") || !(parameter in this.params)) continue;
      if (type?.fields.some((candidate) => candidate.name === field)) values[field] = this.params[parameter];
    }
    return values;
  }

  /** The search box's words as a match pattern: each word a prefix (`lop` finds López). */
  searchPattern() {
    const words = this.search.value.replace(/[*"\\]/g, " ").trim().split(/\s+/).filter(Boolean);
    return words.length ? words.map((word) => `${word}*`).join(" ") : null;
  }

  loadMore() {
    if (this.total !== null ? this.wanted >= this.total : !this.hasMore) return;
    this.wanted += pageSize;
    this.load();
  }

  async load() {
    const generation = ++this.generation;
    const pattern = this.searchPattern();
    const params = { ...this.params };
    let filter = this.filter;
    let order = `| ${this.orderClause()}`;
    if (pattern) {
      filter = `(${filter}) && ${this.workspace.searchCondition(this.types)}`;
      params.__search = pattern;
      // Ranked by relevance: a hit in the title first, then the most recently edited.
      order = `| order(_updatedAt desc) | score(${this.workspace.searchScore(this.types)})`;
    }
    const members = this.projection();
    // A search is not counted to its end: counting would read every document a second time,
    // and past a page the editor narrows the search rather than scrolls. One row more than
    // wanted says whether there are more.
    const groq = pattern
      ? `{"total": null, "page": *[${filter}] ${order} [0...${this.wanted + 1}] ${members}}`
      : `{"total": count(*[${filter}]), "page": *[${filter}] ${order} [0...${this.wanted}] ${members}}`;
    this.loading = true;
    let answer;
    try {
      answer = await query(groq, params, { dataset: this.workspace.dataset, perspective: "drafts" });
    } catch (error) {
      if (error instanceof SessionEnded || generation !== this.generation) return;
      this.status.textContent = `The list could not load: ${error.message}`;
      this.list.removeAttribute("aria-busy");
      return;
    } finally {
      if (generation === this.generation) this.loading = false;
    }
    if (generation !== this.generation) return;
    const page = answer.result?.page ?? [];
    this.hasMore = pattern && page.length > this.wanted;
    this.total = pattern ? null : (answer.result?.total ?? 0);
    this.render(pattern ? page.slice(0, this.wanted) : page);
  }

  /** Updates the rows in place: rows are kept by id, so focus and scrolling stay put. */
  render(documents) {
    const seen = new Set();
    const ordered = [];
    for (const document of documents) {
      const id = publishedID(document._id);
      if (seen.has(id)) continue;
      seen.add(id);
      let row = this.rows.get(id);
      if (!row) {
        row = this.row(id);
        this.rows.set(id, row);
      }
      this.fill(row, document);
      ordered.push(row.item);
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.item.remove();
        this.rows.delete(id);
      }
    }
    ordered.forEach((item, index) => {
      if (this.list.children[index] !== item) this.list.insertBefore(item, this.list.children[index] ?? null);
    });
    this.list.removeAttribute("aria-busy");
    const term = this.search.value.trim();
    if (this.total === null) {
      // A search: its matches, best first, and whether there are more than shown.
      const shown = `${seen.size.toLocaleString("en")} match${seen.size === 1 ? "" : "es"}`;
      this.status.textContent = seen.size === 0 ? `Nothing matches “${term}”.`
        : (this.hasMore ? `More than ${shown} for “${term}”, best first` : `${shown} for “${term}”, best first`);
      this.more.hidden = !this.hasMore;
      this.more.textContent = "Show more matches";
    } else {
      const total = this.total;
      const counted = `${total.toLocaleString("en")} document${total === 1 ? "" : "s"}`;
      this.status.textContent = total === 0 ? "No documents yet."
        : (seen.size < total ? `${counted}, ${seen.size.toLocaleString("en")} shown` : counted);
      this.more.hidden = seen.size >= total || documents.length < this.wanted;
      this.more.textContent = `Show ${Math.min(pageSize, total - seen.size).toLocaleString("en")} more`;
    }
    this.select(this.selected);
  }

  row(id) {
    const title = element("span", { class: "item-title" });
    const subtitle = element("span", { class: "item-subtitle" });
    const draft = element("span", { class: "badge draft", hidden: true }, "Draft");
    // The media is decorative: the title beside it names the document.
    const media = this.showsMedia ? element("span", { class: "item-media", "aria-hidden": "true" }) : null;
    const link = element("a", { href: deskHref([...this.path, `:${id}`]), class: "pane-item document-item", "data-id": id },
      media, element("span", { class: "item-text" }, title, subtitle), draft);
    return { item: element("li", {}, link), link, title, subtitle, draft, media };
  }

  /**
   * The preview's image (an uploaded one as a 72-pixel square thumbnail, shown at 36 CSS pixels),
   * or the title's initial while there is none to show.
   */
  fillMedia(row, document, title) {
    if (!row.media) return;
    const key = mediaKey(document.media);
    const showInitial = () => {
      const initial = String(title).trim().charAt(0).toUpperCase() || "·";
      if (row.media.textContent !== initial || row.media.firstChild?.tagName === "IMG") row.media.replaceChildren(initial);
    };
    if (!key) {
      delete row.media.dataset.url;
      showInitial();
      return;
    }
    if (row.media.dataset.url === key) return;
    row.media.dataset.url = key;
    if (!row.media.firstChild || row.media.firstChild.tagName !== "IMG") showInitial();
    imagePicture(document.media, "w=72&h=72&fit=crop", { dataset: this.workspace.dataset, loading: "lazy", width: 36, height: 36 }).then((picture) => {
      if (!picture || row.media.dataset.url !== key) return;
      row.media.replaceChildren(picture);
    });
  }

  fill(row, document) {
    const title = this.workspace.previewText(document._type, "title", document.title) || "Untitled";
    const subtitle = this.workspace.previewText(document._type, "subtitle", document.subtitle);
    if (row.title.textContent !== String(title)) row.title.textContent = String(title);
    if (row.subtitle.textContent !== String(subtitle)) row.subtitle.textContent = String(subtitle);
    this.fillMedia(row, document, title);
    const isDraft = (document._originalId ?? document._id).startsWith("drafts.");
    row.draft.hidden = !isDraft;
  }

  select(id) {
    this.selected = id;
    for (const [rowID, row] of this.rows) {
      if (rowID === id) row.link.setAttribute("aria-current", "true");
      else row.link.removeAttribute("aria-current");
    }
  }

  close() {
    window.removeEventListener("facet:written", this.onWritten);
    this.listener.close();
    this.observer.disconnect();
    this.generation += 1;
  }
}

/** What identifies an image value's picture (its asset, else its URL), or null when it has none. */
function mediaKey(value) {
  if (typeof value?.asset?._ref === "string") return `asset:${value.asset._ref}:${JSON.stringify(value.crop ?? null)}:${JSON.stringify(value.hotspot ?? null)}`;
  const url = value?.url;
  return typeof url === "string" && /^(https?:\/\/|\/)/.test(url) ? url : null;
}
