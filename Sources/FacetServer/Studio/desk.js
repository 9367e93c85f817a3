// The desk: panes opening left to right from the desk structure — lists, then document lists,
// then the document. The address's hash holds the path (`#/desk/customers/liza/:vip-1`), so
// the browser's back button and links work as expected.

import { element, replace } from "./dom.js";
import { DocumentList } from "./documentlist.js";
import { Editor } from "./editor.js";
import { DeskTrail, showsOnePane } from "./trail.js";

export class Desk {
  constructor(container, workspace, hash) {
    this.workspace = workspace;
    this.row = element("div", { class: "panes", role: "region", "aria-label": "Desk" });
    this.trail = new DeskTrail();
    replace(container, element("h1", { class: "visually-hidden" }, "Desk"), this.trail.element, this.row);
    this.panes = [];
    this.navigate(hash);
    this.started = true;
  }

  /**
   * Opens the panes `hash` names, keeping the ones already open on the way. After the
   * structure's path come documents (`:id`), each in its own pane to the right of the last, so
   * that opening a reference keeps the document it was opened from.
   */
  navigate(hash) {
    const segments = hash.replace(/^#\/desk\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
    const wanted = [{ key: "root", node: { kind: "list", id: "root", title: "Content", items: this.workspace.structure.items } }];
    let node = wanted[0].node;
    const path = [];
    let documents = false;
    for (const segment of segments) {
      if (segment.startsWith(":")) {
        documents = true;
        path.push(segment);
        wanted.push({ key: path.join("/"), document: segment.slice(1), path: [...path] });
        continue;
      }
      if (documents) break;
      const child = node.kind === "list" ? node.items.find((item) => item.id === segment) : null;
      if (!child) break;
      path.push(segment);
      wanted.push({ key: path.join("/"), node: child, path: [...path] });
      node = child;
    }
    let keep = 0;
    while (keep < this.panes.length && keep < wanted.length && this.panes[keep].key === wanted[keep].key) keep += 1;
    for (const pane of this.panes.splice(keep)) {
      pane.view.close?.();
      pane.element.remove();
    }
    for (const [index, want] of wanted.entries()) {
      if (index < keep) continue;
      const base = want.path ?? [];
      const element = document.createElement("section");
      element.className = "pane";
      this.row.append(element);
      const position = wanted.slice(0, index).filter((earlier) => earlier.document).length;
      const view = want.document
        ? new Editor(element, this.workspace, want.document, { listHref: deskHref(base.slice(0, -1)), selfHref: deskHref(base), position })
        : this.paneFor(want.node, element, base);
      this.panes.push({ key: want.key, element, view });
    }
    // Selections follow the path: each pane marks the item the next pane shows.
    for (const [index, pane] of this.panes.entries()) {
      const next = wanted[index + 1];
      pane.view.select?.(next ? (next.document ?? next.node.id) : null);
    }
    this.row.dataset.panes = String(this.panes.length);
    this.row.dataset.documents = String(wanted.filter((want) => want.document).length);
    this.trail.show(wanted.map((want, index) => ({
      href: index === 0 ? "#/desk" : deskHref(want.path),
      document: Boolean(want.document),
      pane: this.panes[index].element,
      title: () => (want.document
        ? this.panes[index].element.querySelector(".editor-title")?.textContent || "Document"
        : want.node.title),
    })));
    const last = this.panes.at(-1)?.element;
    last?.scrollIntoView({ block: "nearest", inline: "end" });
    // One pane at a time: the pane just opened takes the focus, as the one left is now hidden.
    if (this.started && keep < wanted.length && last && showsOnePane()) {
      last.tabIndex = -1;
      last.focus({ preventScroll: true });
    }
  }

  paneFor(node, container, path) {
    if (node.kind === "list") return new ListPane(container, node, path);
    return new DocumentList(container, this.workspace, node, path);
  }

  close() {
    this.trail.close();
    for (const pane of this.panes) pane.view.close?.();
    this.panes = [];
  }
}

/** The hash for the desk path `segments` (structure ids, then `:documentId`). */
export function deskHref(segments) {
  return `#/desk/${segments.map(encodeURIComponent).join("/")}`;
}

/** A pane listing structure items: lists and document lists open a pane to the right. */
class ListPane {
  constructor(container, node, path) {
    const headingID = `pane-${path.join("-") || "root"}`;
    container.setAttribute("aria-labelledby", headingID);
    this.links = new Map();
    const items = node.items.map((item) => {
      if (item.kind === "divider") return element("li", { class: "divider-item" }, element("hr", { class: "divider" }));
      const link = element("a", { href: deskHref([...path, item.id]), class: "pane-item", "data-id": item.id },
        element("span", { class: "item-title" }, item.title),
        item.kind === "list" ? element("span", { class: "chevron", "aria-hidden": "true" }, "›") : null);
      this.links.set(item.id, link);
      return element("li", {}, link);
    });
    replace(container,
      element("h2", { class: "pane-title", id: headingID }, node.title),
      element("nav", { "aria-labelledby": headingID }, element("ul", { class: "pane-list" }, items)));
  }

  select(id) {
    for (const [itemID, link] of this.links) {
      if (itemID === id) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    }
  }
}
