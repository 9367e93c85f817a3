// "New": one button that starts a document of the only type a list holds, or opens a menu of
// the types (and the templates needing no parameter) when there are several. Follows the ARIA
// menu button pattern: arrow keys move, Enter picks, Escape closes and returns focus.

import { element, uniqueID } from "./dom.js";
import { plainTemplates, startDocument, startFromTemplate } from "./newdocument.js";

export class NewDocumentMenu {
  /**
   * `types`: the document types offered (already those the role may create); `fill(type)`:
   * values a new document of `type` starts with; `open(id)`: shows the started document.
   */
  constructor(workspace, types, { label, fill = () => ({}), open }) {
    this.workspace = workspace;
    this.fill = fill;
    this.open = open;
    this.choices = types.flatMap((name) => [
      { title: workspace.type(name)?.title ?? name, start: () => startDocument(workspace, name, fill(name)) },
      ...plainTemplates(workspace, name).map((template) => ({ title: template.title, start: () => startFromTemplate(workspace, template) })),
    ]);
    if (this.choices.length === 0) {
      this.element = null;
      return;
    }
    const menuID = uniqueID("new-menu");
    this.button = element("button", {
      type: "button", class: "new-document", "aria-label": label,
      ...(this.choices.length > 1 ? { "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": menuID } : {}),
      title: this.choices.length === 1 ? `New ${this.choices[0].title}` : label,
    }, element("span", { "aria-hidden": "true" }, "+ "), "New");
    this.menu = element("ul", { id: menuID, role: "menu", class: "menu", hidden: true, "aria-label": label },
      this.choices.map((choice, index) => element("li", { role: "none" },
        element("button", { type: "button", role: "menuitem", tabindex: "-1", class: "menu-item", "data-index": String(index),
          onclick: () => this.pick(index) }, choice.title))));
    this.button.addEventListener("click", () => {
      if (this.choices.length === 1) this.pick(0);
      else if (this.menu.hidden) this.show(0);
      else this.hide();
    });
    this.button.addEventListener("keydown", (event) => {
      if (this.choices.length > 1 && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
        event.preventDefault();
        this.show(event.key === "ArrowDown" ? 0 : this.choices.length - 1);
      }
    });
    this.menu.addEventListener("keydown", (event) => this.key(event));
    this.menu.addEventListener("focusout", (event) => {
      if (!this.element.contains(event.relatedTarget)) this.hide(false);
    });
    this.element = element("div", { class: "new-menu" }, this.button, this.menu);
  }

  items() {
    return [...this.menu.querySelectorAll("[role=menuitem]")];
  }

  show(index) {
    this.menu.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.items()[index]?.focus();
  }

  hide(refocus = true) {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (refocus) this.button.focus();
  }

  key(event) {
    const items = this.items();
    const at = items.indexOf(document.activeElement);
    const move = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (move) {
      event.preventDefault();
      items[(at + move + items.length) % items.length].focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      items[event.key === "Home" ? 0 : items.length - 1].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.hide();
    } else if (event.key === "Tab") {
      this.hide(false);
    }
  }

  pick(index) {
    const choice = this.choices[index];
    if (!choice) return;
    this.hide(false);
    this.open(choice.start());
  }
}
