// A menu button (the ARIA menu button pattern): a button that opens a list of actions. Arrow
// keys move between the items, Home and End jump, Escape closes and gives focus back to the
// button, and a click elsewhere or Tab away closes it. Used for the document's secondary actions,
// so the action bar keeps one row however many actions a type declares.

import { element, uniqueID } from "./dom.js";

export class MenuButton {
  /** `label`: the button's text; `name`: the menu's accessible name; `id`: the button's. */
  constructor(label, name, id) {
    const menuID = uniqueID("menu");
    this.button = element("button", {
      type: "button", class: "secondary menu-button", id,
      "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": menuID,
    }, label, element("span", { class: "menu-caret", "aria-hidden": "true" }, " ▾"));
    this.menu = element("div", { id: menuID, role: "menu", class: "action-menu", "aria-label": name, hidden: true });
    this.element = element("div", { class: "menu-control" }, this.button, this.menu);
    this.button.addEventListener("click", () => (this.menu.hidden ? this.open(0) : this.close(false)));
    this.button.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        this.open(event.key === "ArrowDown" ? 0 : -1);
      }
    });
    this.menu.addEventListener("keydown", (event) => this.key(event));
    this.menu.addEventListener("focusout", (event) => {
      if (!this.element.contains(event.relatedTarget)) this.close(false);
    });
    // A click outside closes the menu (a click on an item has run its action by then).
    this.outside = (event) => {
      if (!this.element.contains(event.target)) this.close(false);
    };
  }

  /** Sets the items: `[{id, title, run, tone, description}]`; none hides the button. */
  setItems(items) {
    const current = document.activeElement;
    const focusedID = this.menu.contains(current) ? current.id : null;
    this.menu.replaceChildren(...items.map((item) => {
      const button = element("button", {
        type: "button", role: "menuitem", tabindex: "-1", id: item.id,
        class: `menu-item${item.tone === "danger" ? " danger-item" : ""}`,
        title: item.description ?? null, disabled: item.disabled ?? false,
      }, item.title);
      button.addEventListener("click", () => {
        this.close(true);
        item.run();
      });
      return button;
    }));
    this.element.hidden = items.length === 0;
    if (focusedID) document.getElementById(focusedID)?.focus();
  }

  items() {
    return [...this.menu.querySelectorAll("[role=menuitem]:not([disabled])")];
  }

  open(index) {
    const items = this.items();
    if (items.length === 0) return;
    this.menu.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    document.addEventListener("pointerdown", this.outside, true);
    items.at(index)?.focus();
  }

  /** Closes the menu; `refocus` gives focus back to the button (Escape, or after an item ran). */
  close(refocus) {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", this.outside, true);
    if (refocus) this.button.focus();
  }

  key(event) {
    const items = this.items();
    const index = items.indexOf(document.activeElement);
    const next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: items.length - 1 }[event.key];
    if (next !== undefined) {
      event.preventDefault();
      items[(next + items.length) % items.length]?.focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.close(true);
    } else if (event.key === "Tab") {
      this.close(false);
    }
  }
}
