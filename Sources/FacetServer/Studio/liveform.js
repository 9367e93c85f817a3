// Values that reach the form other than by typing — others' changes merged in, an undo or a
// redo — shown in its inputs: a plain text in place with the caret kept where it was (so the
// person typing is not interrupted), anything else by drawing the form again.

import { announce } from "./dom.js";
import { mapOffset } from "./textmerge.js";

/**
 * Shows `editor`'s fields `changed` (top-level names) with their values, and `message` saying
 * whose change it was. `focus` is where the caret was before (``Editor/focusedField``).
 */
export function showStored(editor, changed, focus, message) {
  const inputs = changed.map((name) => [name, textInput(editor, name)]);
  if (inputs.every(([, input]) => input)) {
    for (const [name, input] of inputs) {
      const value = editor.document[name] ?? "";
      if (input.value === value) continue;
      if (document.activeElement === input) {
        const start = mapOffset(input.value, value, input.selectionStart ?? 0);
        const end = mapOffset(input.value, value, input.selectionEnd ?? 0);
        input.value = value;
        input.setSelectionRange(start, end);
      } else {
        input.value = value;
      }
    }
    editor.showTitle();
    editor.updateActions();
    editor.actions.say(message, "info");
    return;
  }
  // The focused input still shows the text the caret was placed in: map the caret into the new one.
  const typed = document.activeElement?.value;
  const now = focus ? focus.path.split(".").reduce((value, part) => value?.[part], editor.document) : undefined;
  if (focus?.start !== null && focus?.start !== undefined && typeof typed === "string" && (typeof now === "string" || now === undefined)) {
    focus.start = mapOffset(typed, now ?? "", focus.start);
    focus.end = mapOffset(typed, now ?? "", focus.end);
  }
  editor.lastMessage = message;
  editor.lastTone = "info";
  editor.render();
  editor.restoreFocus(focus);
}

/** Shows an edit made by undo or redo at its field, with the caret at the end of the change. */
export function showValue(editor, path, before, value) {
  revealField(editor, path);
  const input = path.includes(".") ? null : textInput(editor, path);
  if (!input) {
    editor.render();
    revealField(editor, path);
    editor.restoreFocus({ path, start: null, end: null });
    return;
  }
  const old = typeof before === "string" ? before : "";
  const text = value ?? "";
  input.value = text;
  let suffix = 0;
  while (suffix < old.length && suffix < text.length && old[old.length - 1 - suffix] === text[text.length - 1 - suffix]) suffix += 1;
  input.focus();
  input.setSelectionRange(text.length - suffix, text.length - suffix);
  announce(`Undo or redo changed ${input.labels?.[0]?.firstChild?.textContent ?? path}`);
}

/** Chooses the group tab holding the field at `path` when the chosen tab hides it. */
function revealField(editor, path) {
  const index = editor.frames?.findIndex((frame) => frame.dataset.path === path.split(".")[0]) ?? -1;
  if (!editor.tabs || index < 0 || !editor.frames[index].hidden) return;
  const group = editor.tabs.fields[index].group;
  editor.tabs.choose((Array.isArray(group) ? group[0] : group) ?? null, false);
}

/** The plain text input of top-level field `name`, or null when it is edited otherwise. */
function textInput(editor, name) {
  const frame = editor.container.querySelector(`form .field[data-path="${CSS.escape(name)}"]`);
  const input = frame?.input;
  if (!input || input.readOnly) return null;
  if (input.tagName === "TEXTAREA") return input;
  return input.tagName === "INPUT" && ["text", "email", "url", "search"].includes(input.type) ? input : null;
}
