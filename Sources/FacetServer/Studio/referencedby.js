// "Referenced by": the documents that point at the open one (a client's orders, interactions
// and analytics), grouped by type with their counts, each a link that opens to the right; and
// the templates that start a document pointing here ("New order for this client").

import { query, SessionEnded } from "./api.js";
import { debounce, element, replace } from "./dom.js";
import { listen } from "./listen.js";
import { startFromTemplate, templatesFor } from "./newdocument.js";
import { publishedID } from "./workspace.js";

const shownPerType = 5;
const fetched = 200;

export class ReferencedBy {
  constructor(editor) {
    this.editor = editor;
    this.expanded = new Set();
    const { workspace, type } = editor;
    const headingID = `referenced-by-${editor.id.replace(/[^A-Za-z0-9_-]/g, "-")}`;
    this.body = element("div", { class: "referenced-by-body", "aria-busy": "true" },
      element("p", { class: "pane-status" }, "Looking for documents that refer to this one…"));
    const templates = templatesFor(workspace, type.name);
    this.element = element("section", { class: "referenced-by", "aria-labelledby": headingID },
      element("h3", { id: headingID }, "Referenced by"),
      templates.length ? element("div", { class: "template-actions", role: "group", "aria-label": "Start a document for this one" },
        templates.map((template) => element("button", {
          type: "button", class: "secondary template-action", "data-template": template.id,
          title: template.description ?? template.title,
          onclick: () => this.start(template),
        }, template.title))) : null,
      this.body);
    this.load();
    this.listener = listen("references($id)", { id: editor.id }, {
      dataset: workspace.dataset,
      onMutation: debounce(() => this.load(), 400),
    });
  }

  /** Opens a new document from `template`, pointing at this one, in the pane to the right. */
  start(template) {
    const parameter = template.parameters[0].name;
    const id = startFromTemplate(this.editor.workspace, template, { [parameter]: this.editor.id });
    location.hash = this.editor.documentHref(id);
  }

  async load() {
    const { workspace } = this.editor;
    const types = workspace.documentTypes().map((type) => type.name);
    const members = ["_id", "_type", ...workspace.previewMembers(types), workspace.detailMember(types)].filter(Boolean);
    const groq = `{"types": *[references($id)]._type, "documents": *[references($id)] | order(_updatedAt desc) [0...${fetched}] {${members.join(", ")}}}`;
    let answer;
    try {
      answer = await query(groq, { id: this.editor.id }, { dataset: workspace.dataset, perspective: "drafts" });
    } catch (error) {
      if (error instanceof SessionEnded || this.closed) return;
      replace(this.body, element("p", { class: "pane-status failure" }, `What refers to this document could not be read: ${error.message}`));
      this.body.removeAttribute("aria-busy");
      return;
    }
    if (this.closed) return;
    this.render(answer.result?.types ?? [], answer.result?.documents ?? []);
  }

  render(types, documents) {
    const { workspace } = this.editor;
    const counts = new Map();
    for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
    this.body.removeAttribute("aria-busy");
    if (counts.size === 0) {
      replace(this.body, element("p", { class: "pane-status" }, "No document refers to this one yet."));
      return;
    }
    const groups = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    replace(this.body, element("ul", { class: "referenced-groups" }, groups.map(([typeName, count]) => {
      const type = workspace.type(typeName);
      const ofType = documents.filter((document) => document._type === typeName);
      const expanded = this.expanded.has(typeName);
      const shown = expanded ? ofType : ofType.slice(0, shownPerType);
      const more = count - shown.length;
      return element("li", { class: "referenced-group", "data-type": typeName },
        element("h4", {}, `${type?.title ?? typeName} `, element("span", { class: "count" }, `(${count})`)),
        element("ul", { class: "pane-list" }, shown.map((document) => {
          const id = publishedID(document._id);
          const title = workspace.previewText(document._type, "title", document.title) || "Untitled";
          const subtitle = workspace.previewText(document._type, "subtitle", document.subtitle);
          const detail = [subtitle, workspace.detailText(document._type, document.detail, [subtitle])].filter(Boolean).join(" · ");
          return element("li", {}, element("a", { href: this.editor.documentHref(id), class: "pane-item referencing-item", "data-id": id },
            element("span", { class: "item-text" }, element("span", { class: "item-title" }, String(title)),
              detail ? element("span", { class: "item-subtitle" }, detail) : null)));
        })),
        more > 0 && !expanded && ofType.length > shown.length
          ? element("button", { type: "button", class: "link", onclick: () => { this.expanded.add(typeName); this.load(); } },
            `Show ${Math.min(more, ofType.length - shown.length)} more`)
          : (more > 0 ? element("p", { class: "pane-status" }, `${more} more: find them in the ${type?.title ?? typeName} list`) : null));
    })));
  }

  close() {
    this.closed = true;
    this.listener?.close();
  }
}
