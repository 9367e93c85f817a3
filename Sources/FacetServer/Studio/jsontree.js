// A JSON value as a tree of disclosure widgets: objects and arrays fold and unfold (with the
// keyboard too, as <details> does), and scalars are coloured by kind.

import { element } from "./dom.js";

// Bigger containers start folded, so that a large result opens quickly and reads top-down.
const openUpTo = 30;

/** The tree of `value`; `name` labels it (a key or index of its parent). */
export function jsonTree(value, name = null, depth = 0) {
  const label = name === null ? null : element("span", { class: "json-key" }, `${name}: `);
  if (value === null || typeof value !== "object") {
    return element("div", { class: "json-leaf" }, label, scalar(value));
  }
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((item, index) => [index, item]) : Object.entries(value);
  const summary = isArray ? `[${entries.length} item${entries.length === 1 ? "" : "s"}]` : `{${entries.length} key${entries.length === 1 ? "" : "s"}}`;
  if (entries.length === 0) return element("div", { class: "json-leaf" }, label, isArray ? "[]" : "{}");
  const node = element("details", { class: "json-node", open: depth < 2 && entries.length <= openUpTo },
    element("summary", {}, label, element("span", { class: "json-summary" }, summary)));
  // Children are built when first opened: a folded branch of a large result costs nothing.
  const fill = () => {
    if (node.dataset.filled) return;
    node.dataset.filled = "true";
    node.append(...entries.map(([key, item]) => jsonTree(item, key, depth + 1)));
  };
  if (node.open) fill();
  node.addEventListener("toggle", fill);
  return node;
}

function scalar(value) {
  const kind = value === null ? "null" : typeof value;
  return element("span", { class: `json-${kind}` }, JSON.stringify(value));
}
