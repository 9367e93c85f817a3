// Block text (Portable Text): paragraphs with bold, italic and links, edited in place. A small
// toolbar (Bold, Italic, Link; Ctrl or ⌘ with B, I and K) formats the selection; every edit
// is read back into blocks (portabletext.js) and recorded. Pasted text arrives as plain text,
// so no foreign markup reaches the document.

import { announce, element, uniqueID } from "../dom.js";
import { fieldFrame } from "./field.js";
import { isEmpty, readBlocks, renderBlocks } from "./portabletext.js";

/** Link targets the server accepts in a `link` annotation. */
const linkTarget = /^(https?:\/\/\S+|mailto:\S+|\/(?!\/)\S*)$/i;

export function blockTextField(field, value, path, context) {
  const id = uniqueID(field.name);
  let blocks = Array.isArray(value) ? value : [];
  const editable = element("div", {
    id, class: "block-editor", role: "textbox", "aria-multiline": "true", spellcheck: "true",
    contenteditable: context.readOnly ? "false" : "true", "aria-readonly": context.readOnly ? "true" : null,
  });
  editable.append(renderBlocks(blocks));

  const record = () => {
    const read = readBlocks(editable, blocks);
    blocks = read;
    context.change(path, isEmpty(read) ? undefined : read);
  };

  // The selection inside the text, kept while focus visits the toolbar or the link form.
  let range = null;
  const remember = () => {
    const selection = document.getSelection();
    if (selection.rangeCount && editable.contains(selection.getRangeAt(0).commonAncestorContainer)) {
      range = selection.getRangeAt(0).cloneRange();
    }
  };
  const restore = () => {
    editable.focus();
    if (!range) return;
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  };
  const anchorAtSelection = () => {
    let node = range?.commonAncestorContainer ?? null;
    while (node && node !== editable) {
      if (node.nodeName === "A") return node;
      node = node.parentNode;
    }
    return null;
  };

  const button = (name, text, label, shortcut) => element("button", {
    type: "button", class: `format-button format-${name}`, "aria-pressed": "false", "aria-label": label,
    title: `${label} (${shortcut})`, "aria-keyshortcuts": shortcut.replace("Ctrl", "Control"), tabindex: "-1", disabled: context.readOnly,
  }, text);
  const bold = button("bold", "B", "Bold", "Ctrl+B");
  const italic = button("italic", "I", "Italic", "Ctrl+I");
  const link = button("link", "Link", "Link", "Ctrl+K");
  const buttons = [bold, italic, link];
  bold.tabIndex = 0;
  const toolbar = element("div", { class: "format-toolbar", role: "toolbar", "aria-label": `Formatting of ${field.title ?? field.name}`, "aria-controls": id }, buttons);

  const status = element("p", { class: "block-status", "aria-live": "polite" });
  const hrefID = uniqueID("link-href");
  const href = element("input", { id: hrefID, type: "url", spellcheck: "false", placeholder: "https://…" });
  const linkError = element("p", { class: "field-error", role: "alert" });
  const apply = element("button", { type: "button", class: "secondary link-apply" }, "Apply link");
  const unlink = element("button", { type: "button", class: "secondary link-remove" }, "Remove link");
  const cancel = element("button", { type: "button", class: "link link-cancel" }, "Cancel");
  const linkForm = element("div", { class: "link-form", role: "group", "aria-label": "Link", hidden: true },
    element("label", { for: hrefID }, "Link address"), element("div", { class: "inline-row" }, href, apply, unlink, cancel), linkError);

  const showState = () => {
    const selection = document.getSelection();
    const inside = selection.rangeCount > 0 && editable.contains(selection.anchorNode);
    if (inside) remember();
    if (!inside && !toolbar.contains(document.activeElement)) return;
    bold.setAttribute("aria-pressed", String(inside && document.queryCommandState("bold")));
    italic.setAttribute("aria-pressed", String(inside && document.queryCommandState("italic")));
    link.setAttribute("aria-pressed", String(Boolean(anchorAtSelection())));
  };
  const onSelection = () => {
    if (!editable.isConnected) {
      document.removeEventListener("selectionchange", onSelection);
      return;
    }
    showState();
  };
  document.addEventListener("selectionchange", onSelection);

  const format = (command) => {
    restore();
    document.execCommand(command);
    remember();
    showState();
  };
  const closeLinkForm = (focusText = true) => {
    linkForm.hidden = true;
    linkError.textContent = "";
    if (focusText) restore();
  };
  const openLinkForm = () => {
    const anchor = anchorAtSelection();
    if (!anchor && (!range || range.collapsed)) {
      status.textContent = "Select the words to link first, then choose Link.";
      restore();
      return;
    }
    status.textContent = "";
    href.value = anchor?.getAttribute("href") ?? "";
    unlink.hidden = !anchor;
    linkForm.hidden = false;
    href.focus();
  };
  const applyLink = () => {
    const target = href.value.trim();
    if (!linkTarget.test(target)) {
      linkError.textContent = "A link must start with https://, http://, mailto: or / (a path on this site).";
      href.setAttribute("aria-invalid", "true");
      href.focus();
      return;
    }
    href.removeAttribute("aria-invalid");
    const anchor = anchorAtSelection();
    closeLinkForm();
    if (anchor) {
      anchor.setAttribute("href", target);
      record();
    } else {
      document.execCommand("createLink", false, target);
    }
    remember();
    showState();
    announce("Link applied");
  };
  const removeLink = () => {
    const anchor = anchorAtSelection();
    closeLinkForm();
    if (!anchor) return;
    const whole = document.createRange();
    whole.selectNodeContents(anchor);
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(whole);
    document.execCommand("unlink");
    remember();
    showState();
    announce("Link removed");
  };

  for (const control of buttons) {
    // Pressing a button must not take the selection out of the text.
    control.addEventListener("mousedown", (event) => event.preventDefault());
  }
  bold.addEventListener("click", () => format("bold"));
  italic.addEventListener("click", () => format("italic"));
  link.addEventListener("click", openLinkForm);
  toolbar.addEventListener("keydown", (event) => {
    const index = buttons.indexOf(document.activeElement);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (index < 0 || next === undefined) return;
    event.preventDefault();
    const chosen = buttons[(next + buttons.length) % buttons.length];
    for (const control of buttons) control.tabIndex = control === chosen ? 0 : -1;
    chosen.focus();
  });
  apply.addEventListener("click", applyLink);
  unlink.addEventListener("click", removeLink);
  cancel.addEventListener("click", () => closeLinkForm());
  href.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); applyLink(); }
    if (event.key === "Escape") { event.preventDefault(); closeLinkForm(); }
  });

  editable.addEventListener("focus", () => {
    document.execCommand("defaultParagraphSeparator", false, "p");
    // Typing into an empty box would otherwise put text outside any paragraph.
    if (!editable.firstChild && !context.readOnly) {
      const paragraph = element("p", {}, element("br"));
      editable.append(paragraph);
      const caret = document.createRange();
      caret.setStart(paragraph, 0);
      caret.collapse(true);
      document.getSelection().removeAllRanges();
      document.getSelection().addRange(caret);
    }
  });
  editable.addEventListener("input", record);
  editable.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || context.readOnly) return;
    const key = event.key.toLowerCase();
    if (key === "b" || key === "i") {
      event.preventDefault();
      remember();
      format(key === "b" ? "bold" : "italic");
    } else if (key === "k") {
      event.preventDefault();
      remember();
      openLinkForm();
    }
  });
  editable.addEventListener("paste", (event) => {
    event.preventDefault();
    if (context.readOnly) return;
    document.execCommand("insertText", false, event.clipboardData?.getData("text/plain") ?? "");
  });
  editable.addEventListener("drop", (event) => event.preventDefault());

  const frame = fieldFrame(field, path,
    element("div", { class: "block-text" }, toolbar, editable, linkForm, status), { inputID: id });
  // A label names only form controls; the text box takes its name from it explicitly.
  const label = frame.querySelector(":scope > label");
  if (label) {
    label.id = uniqueID("label");
    editable.setAttribute("aria-labelledby", label.id);
    label.addEventListener("click", () => editable.focus());
  }
  frame.classList.add("block-field");
  return frame;
}
