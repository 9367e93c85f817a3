// Where the editor is on the desk, for screens that show one pane at a time (900 px wide or
// less): a Back link to the pane before, and a breadcrumb of every open pane, the document named
// by its title once it has loaded. Wider screens show the panes themselves, and hide this.

import { element, replace } from "./dom.js";

export class DeskTrail {
  constructor() {
    this.back = element("a", { class: "trail-back", href: "#/desk" }, element("span", { "aria-hidden": "true" }, "‹ "), "Back");
    this.crumbs = element("ol", { class: "trail-crumbs" });
    this.element = element("nav", { class: "desk-trail", "aria-label": "Breadcrumb" }, this.back, this.crumbs);
    this.watch = null;
  }

  /** `steps`: `[{title, href, pane}]` from the desk's root to the last open pane. */
  show(steps) {
    this.watch?.disconnect();
    // At the desk's root there is nowhere to go back to, and the pane says where it is.
    this.element.hidden = steps.length < 2;
    if (steps.length >= 2) {
      this.back.href = steps.at(-2).href;
      this.back.setAttribute("aria-label", `Back to ${steps.at(-2).title()}`);
    }
    const draw = () => replace(this.crumbs, steps.map((step, index) => element("li", {},
      index === steps.length - 1
        ? element("span", { "aria-current": "page" }, step.title())
        : element("a", { href: step.href }, step.title()))));
    draw();
    // A document's title arrives with the document, and changes as it is edited.
    const last = steps.at(-1);
    if (last?.document) {
      this.watch = new MutationObserver(() => {
        const shown = this.crumbs.lastChild?.textContent;
        if (shown !== last.title()) draw();
      });
      this.watch.observe(last.pane, { subtree: true, childList: true, characterData: true });
    }
  }

  close() {
    this.watch?.disconnect();
  }
}

/** Whether the desk shows one pane at a time (as the stylesheet decides, at 900 px). */
export function showsOnePane() {
  return window.matchMedia("(max-width: 900px)").matches;
}
