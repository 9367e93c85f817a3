// Who else has the document open, and which field each of them is editing: this tab says where it
// is with a heartbeat every few seconds (at once when the focused field changes), and shows the
// others the server answers — names in the editor's header, a note at each field being edited.
// The server forgets a tab that stops beating within seconds; a tab that closes says so itself.

import { APIError, presenceBeat, presenceLeave, SessionEnded } from "./api.js";
import { announce, element, replace } from "./dom.js";

// A little irregular: heartbeats of a fixed period from many tabs would look like a machine's
// rhythm to the server's threat checks, and would arrive in step.
const beatEvery = () => 1600 + Math.random() * 900;
// Focus moving through fields with Tab sends one heartbeat, not one per field passed.
const focusSettles = 120;

// A tab is one presence per document however many of its panes show the document: the panes
// share the tab's id, and the field of whichever of them has focus.
const tab = tabSession();
const openHere = new Map();

export class Presence {
  /** `me` is the signed-in user (`/v1/auth/me`), to tell one's own other tabs apart. */
  constructor({ dataset, documentId, root, me, id = "presence" }) {
    this.dataset = dataset;
    this.documentId = documentId;
    this.root = root;
    this.me = me;
    this.session = tab;
    this.key = `${dataset}/${documentId}`;
    this.shared = openHere.get(this.key) ?? { panes: 0, field: null, owner: null };
    this.shared.panes += 1;
    openHere.set(this.key, this.shared);
    this.others = [];
    this.shownKey = "";
    this.stopped = false;
    this.timer = null;
    this.element = element("div", { class: "presence", id, hidden: true });

    root.addEventListener("focusin", (event) => this.focusMoved(event.target));
    root.addEventListener("focusout", (event) => {
      if (!root.contains(event.relatedTarget)) this.focusMoved(null);
    });
    this.joined = false;
    this.leave = () => { if (this.joined) presenceLeave(this.dataset, this.documentId, this.session); };
    window.addEventListener("pagehide", this.leave);
    this.beat();
  }

  /** The header strip, which the editor puts in its header after every render. */
  get strip() {
    return this.element;
  }

  focusMoved(target) {
    const frame = target?.closest?.(".field[data-path]");
    const field = frame && this.root.contains(frame) ? frame.dataset.path : null;
    // Focus leaving this pane clears the field only if it was this pane's.
    if (!field && this.shared.owner !== this) return;
    if (field === this.shared.field) return;
    this.shared.field = field;
    this.shared.owner = field ? this : null;
    this.schedule(focusSettles);
  }

  schedule(delay) {
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => this.beat(), delay);
  }

  async beat() {
    if (this.stopped) return;
    try {
      const answer = await presenceBeat(this.dataset, this.documentId, this.session, this.shared.field);
      this.joined = true;
      if (this.stopped) return;
      this.show(answer.present ?? []);
    } catch (error) {
      if (error instanceof SessionEnded) return this.stop();
      // The role may not read the document, or the board is full: presence is left out, quietly.
      if (error instanceof APIError && error.status !== 429 && error.status < 500) return this.stop();
    }
    this.schedule(beatEvery());
  }

  /** Shows `others` in the header and at their fields, telling arrivals and departures. */
  show(others) {
    const key = others.map((other) => `${other.session}\u0000${other.field ?? ""}\u0000${other.name}`).join("\n");
    const before = new Set(this.others.map((other) => other.session));
    const after = new Set(others.map((other) => other.session));
    const came = others.filter((other) => !before.has(other.session));
    const went = this.others.filter((other) => !after.has(other.session));
    this.others = others;
    if (key !== this.shownKey) {
      this.shownKey = key;
      this.render();
    }
    if (came.length) announce(`${came.map((other) => this.label(other)).join(", ")} opened this document`);
    else if (went.length) announce(`${went.map((other) => this.label(other)).join(", ")} left this document`);
  }

  /** "Ana (manager)", or "Ana (manager, your other tab)" for one's own other tab. */
  label(other) {
    const mine = this.me && other.userId === `${this.me.kind}:${this.me.id}`;
    return mine ? `${other.name} (${other.role}, your other tab)` : `${other.name} (${other.role})`;
  }

  /** Redraws the header strip and the notes at the fields (also after the form was redrawn). */
  render() {
    this.element.hidden = this.others.length === 0;
    replace(this.element, this.others.length === 0 ? null : [
      element("span", { class: "presence-title" }, "Also here:"),
      element("ul", { class: "presence-list" }, this.others.map((other) => element("li", {
        class: "presence-person", "data-session": other.session,
      },
      avatar(other),
      element("span", { class: "presence-name" }, this.label(other)),
      other.field ? element("span", { class: "presence-field" }, ` — editing ${this.fieldTitle(other.field)}`) : null))),
    ]);
    for (const note of this.root.querySelectorAll(".presence-marker")) note.remove();
    for (const frame of this.root.querySelectorAll(".field.edited-elsewhere")) frame.classList.remove("edited-elsewhere");
    const byField = new Map();
    for (const other of this.others) {
      if (other.field) byField.set(other.field, [...(byField.get(other.field) ?? []), other]);
    }
    for (const [field, people] of byField) {
      const frame = this.frame(field);
      if (!frame) continue;
      frame.classList.add("edited-elsewhere");
      const note = element("p", { class: "presence-marker", "data-field": field },
        avatar(people[0], "small"),
        `${people.map((other) => this.label(other)).join(", ")} ${people.length === 1 ? "is" : "are"} editing this field`);
      const heading = frame.querySelector(":scope > label, :scope > legend");
      if (heading && heading.tagName === "LABEL") heading.after(note); else frame.prepend(note);
    }
  }

  frame(field) {
    return this.root.querySelector(`.field[data-path="${CSS.escape(field)}"]`);
  }

  fieldTitle(field) {
    const heading = this.frame(field)?.querySelector(":scope > label, :scope > legend");
    const title = heading?.firstChild?.textContent?.trim();
    return title || field;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The editor closed: stop beating, and tell the server at once when no pane here shows the document. */
  close() {
    this.stop();
    window.removeEventListener("pagehide", this.leave);
    if (this.shared.owner === this) {
      this.shared.owner = null;
      this.shared.field = null;
    }
    this.shared.panes -= 1;
    if (this.shared.panes > 0) return;
    openHere.delete(this.key);
    if (this.joined) this.leave();
  }
}

/** This tab's id: random, so that two tabs of one user are two presences (a reload is a new tab). */
function tabSession() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Initials on a colour of their own; decorative, as the name is always written beside it. */
function avatar(person, size = "") {
  const node = element("span", { class: `avatar ${size}`.trim(), "aria-hidden": "true" }, initials(person.name));
  // Through the style object, not an attribute: the page's content security policy allows no inline styles.
  node.style.setProperty("--hue", String(hue(person.userId + person.session)));
  return node;
}

function initials(name) {
  const words = String(name).split(/[\s._-]+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[1][0] : String(name).slice(0, 2);
  return letters.toUpperCase();
}

/** A hue per person and tab, so that avatars differ; the name beside it says who it is. */
function hue(text) {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return hash % 360;
}
