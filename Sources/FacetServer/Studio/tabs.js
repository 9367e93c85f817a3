// The schema's field groups as tabs: "All fields" and one tab per group, following the ARIA
// tabs pattern (arrow keys move between tabs, the chosen tab shows its group's fields).

import { element, uniqueID } from "./dom.js";

export class GroupTabs {
  /** `chosen` keeps the tab of a form drawn again (after a change made elsewhere). */
  constructor(groups, fields, frames, chosen = undefined) {
    this.fields = fields;
    this.frames = frames;
    const choices = [{ name: null, title: "All fields" }, ...groups];
    const initial = chosen !== undefined && choices.some((group) => group.name === chosen)
      ? chosen
      : groups.find((group) => group.default)?.name ?? null;
    this.tabs = choices.map((group) => {
      const tab = element("button", {
        type: "button", role: "tab", id: uniqueID("tab"), class: "tab", "data-group": group.name ?? "",
      }, group.title);
      tab.addEventListener("click", () => this.choose(group.name));
      tab.addEventListener("keydown", (event) => this.move(event));
      tab.group = group.name;
      return tab;
    });
    this.element = element("div", { role: "tablist", class: "tabs", "aria-label": "Field groups" }, this.tabs);
    this.choose(initial, false);
  }

  /** The group shown (`null`: all fields). */
  get chosen() {
    return this.tabs.find((tab) => tab.getAttribute("aria-selected") === "true")?.group ?? null;
  }

  choose(name, focus = true) {
    for (const tab of this.tabs) {
      const selected = tab.group === name;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      if (selected && focus) tab.focus();
    }
    this.fields.forEach((field, index) => {
      const groups = Array.isArray(field.group) ? field.group : (field.group ? [field.group] : []);
      this.frames[index].hidden = name !== null && !groups.includes(name);
    });
  }

  move(event) {
    const index = this.tabs.indexOf(event.currentTarget);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: this.tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    this.choose(this.tabs[(next + this.tabs.length) % this.tabs.length].group);
  }
}
