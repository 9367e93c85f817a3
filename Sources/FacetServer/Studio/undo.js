// Undo and redo of one's own edits across the fields of a document (Ctrl/⌘+Z, Shift+Ctrl/⌘+Z,
// Ctrl+Y). Each step is (path, before, after); undoing goes through the editor's normal change
// path, so it is saved, and merges with others' edits, like any other edit. A text is undone
// by taking back this edit's own change only: what someone else typed since stays.

import { merge } from "./textmerge.js";

// Keystrokes in one field closer together than this are one step, as in a word processor.
const typingPause = 1000;
const depth = 200;

export class UndoStack {
  /** `apply(path, value)` makes an edit through the editor (and shows it); `valueAt(path)` reads one. */
  constructor({ apply, valueAt }) {
    this.apply = apply;
    this.valueAt = valueAt;
    this.done = [];
    this.undone = [];
    this.replaying = false;
  }

  /** Notes an edit of the editor's own; typing in one field joins the step before. */
  record(path, before, after) {
    if (this.replaying || sameValue(before, after)) return;
    const now = Date.now();
    const last = this.done.at(-1);
    if (last && last.path === path && now - last.at < typingPause && isText(after) && isText(last.after)) {
      last.after = after;
      last.at = now;
    } else {
      this.done.push({ path, before: structuredCloneOf(before), after: structuredCloneOf(after), at: now });
      if (this.done.length > depth) this.done.shift();
    }
    this.undone = [];
  }

  /** Forgets every step (the document was read again after an action or a restore). */
  clear() {
    this.done = [];
    this.undone = [];
  }

  get canUndo() { return this.done.length > 0; }
  get canRedo() { return this.undone.length > 0; }

  /** Takes back the last step; answers its path, or null when there is nothing to undo. */
  undo() {
    return this.move(this.done, this.undone, (step) => this.replay(step.path, step.after, step.before));
  }

  /** Makes the last undone step again; answers its path, or null when there is none. */
  redo() {
    return this.move(this.undone, this.done, (step) => this.replay(step.path, step.before, step.after));
  }

  move(from, to, replay) {
    const step = from.pop();
    if (!step) return null;
    replay(step);
    // A step moved is never joined by the typing that follows.
    to.push({ ...step, at: 0 });
    return step.path;
  }

  /** Moves `path` from `from` to `to`, keeping others' changes to a text made since. */
  replay(path, from, to) {
    const current = this.valueAt(path);
    let value = to;
    if (typeof current === "string" && typeof from === "string" && typeof to === "string" && current !== from) {
      value = merge(from, current, to);
    }
    this.replaying = true;
    try {
      this.apply(path, value === "" ? undefined : value);
    } finally {
      this.replaying = false;
    }
  }

  /** Ctrl/⌘+Z and Shift+Ctrl/⌘+Z (and Ctrl+Y) within `root`; answers whether the key was taken. */
  handleKey(event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return false;
    // A search box (a reference's, say) is not the document: its own undo stays the browser's.
    if (event.target?.matches?.("input[type=search]")) return false;
    const key = event.key.toLowerCase();
    const wantsRedo = (key === "z" && event.shiftKey) || (key === "y" && !event.shiftKey && event.ctrlKey);
    const wantsUndo = key === "z" && !event.shiftKey;
    if (!wantsRedo && !wantsUndo) return false;
    // The browser's own undo of an input knows nothing of the form; this one knows every field.
    event.preventDefault();
    if (wantsUndo) this.undo(); else this.redo();
    return true;
  }
}

/** A text as a text input holds it: an emptied input is an absent value. */
function isText(value) {
  return typeof value === "string" || value === undefined;
}

function sameValue(a, b) {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function structuredCloneOf(value) {
  return value === undefined ? undefined : structuredClone(value);
}
