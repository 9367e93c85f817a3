// Building the page from data: elements are created with their text as text nodes, so content
// from documents is never parsed as HTML.

/**
 * Creates an element: `element("button", {class: "primary", onclick}, "Publish")`.
 * Attributes starting with "on" become listeners; `null`/`false` attributes are left out;
 * children may be strings, nodes, arrays or null.
 */
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (name === "value") {
      node.value = value;
    } else if (name === "checked") {
      node.checked = Boolean(value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

/** Appends children (strings, nodes, nested arrays; null skipped). */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces every child of `node`. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

let counter = 0;
/** A fresh id for pairing labels with inputs. */
export function uniqueID(prefix = "field") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** Says `message` to screen readers through the page's live region. */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (region) region.textContent = message;
}

/** Calls `action` once `delay` ms have passed without another call. */
export function debounce(action, delay) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; action(...args); }, delay);
  };
  debounced.flush = (...args) => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    action(...args);
  };
  debounced.pending = () => timer !== null;
  return debounced;
}

/**
 * Makes `target` take a file dragged from the desktop: outlined (class `dropping`) while one is
 * over it, and `drop(file)` called with the first file dropped. Nothing happens when `readOnly`.
 */
export function acceptDroppedFiles(target, { readOnly, drop }) {
  target.addEventListener("dragover", (event) => {
    if (readOnly || !event.dataTransfer?.types?.includes("Files")) return;
    event.preventDefault();
    target.classList.add("dropping");
  });
  target.addEventListener("dragleave", () => target.classList.remove("dropping"));
  target.addEventListener("drop", (event) => {
    target.classList.remove("dropping");
    const file = event.dataTransfer?.files?.[0];
    if (!file || readOnly) return;
    event.preventDefault();
    drop(file);
  });
}

/**
 * Makes `target` take a file pasted while it has the focus: `paste(file)` is called with the
 * first pasted file that `accept(file)` takes (text pastes as usual). Nothing happens when `readOnly`.
 */
export function acceptPastedFiles(target, { readOnly, accept, paste }) {
  target.addEventListener("paste", (event) => {
    if (readOnly) return;
    const file = [...(event.clipboardData?.files ?? [])].find(accept);
    if (!file) return;
    event.preventDefault();
    paste(file);
  });
}
