// Portable Text to and from the block editor's HTML. Blocks become paragraphs (`<p>`), spans
// become text wrapped in one element per mark (`<strong>`, `<em>`, `<a>` for a link), and a
// span's "\n" becomes `<br>`. Reading the HTML back gives the same blocks: keys travel in
// `data-key` attributes (or are taken from the blocks it was made from), and whatever the editor
// cannot edit (other block types, unknown marks and their definitions) is carried through
// unchanged. Nothing here touches the page: both directions work on the nodes given.

import { newKey } from "./keys.js";

/** Decorator marks and the elements that show them; the first element is the one written. */
const decorators = {
  strong: ["STRONG", "B"],
  em: ["EM", "I"],
  underline: ["U"],
  code: ["CODE"],
  "strike-through": ["S", "STRIKE", "DEL"],
};
const decoratorOf = new Map(Object.entries(decorators).flatMap(([mark, tags]) => tags.map((tag) => [tag, mark])));
const blockTags = new Set(["P", "DIV", "H1", "H2", "H3", "H4", "H5", "H6", "BLOCKQUOTE", "LI", "PRE"]);
const styleOfTag = { H1: "h1", H2: "h2", H3: "h3", H4: "h4", BLOCKQUOTE: "blockquote" };

/** The paragraphs showing `blocks`, as nodes made with `doc` (the page's document). */
export function renderBlocks(blocks, doc = document) {
  const fragment = doc.createDocumentFragment();
  for (const block of Array.isArray(blocks) ? blocks : []) {
    fragment.append(block?._type === "block" && Array.isArray(block.children) ? renderBlock(block, doc) : renderKept(block, doc));
  }
  return fragment;
}

function renderBlock(block, doc) {
  const paragraph = doc.createElement("p");
  if (typeof block._key === "string") paragraph.dataset.key = block._key;
  if (block.style && block.style !== "normal") paragraph.dataset.style = block.style;
  if (block.listItem !== undefined) paragraph.dataset.listItem = JSON.stringify(block.listItem);
  if (block.level !== undefined) paragraph.dataset.level = JSON.stringify(block.level);
  const links = new Map((block.markDefs ?? []).filter((definition) => definition?._type === "link").map((definition) => [definition._key, definition]));
  for (const span of block.children) {
    if (span?._type !== "span" || typeof span.text !== "string") {
      paragraph.append(renderKept(span, doc));
      continue;
    }
    let node = textWithBreaks(span.text, doc);
    // The first mark is the outermost element, so reading the nesting gives the marks in order.
    for (const mark of [...(span.marks ?? [])].reverse()) {
      let wrapper;
      if (decorators[mark]) {
        wrapper = doc.createElement(decorators[mark][0].toLowerCase());
      } else if (links.has(mark)) {
        wrapper = doc.createElement("a");
        wrapper.setAttribute("href", links.get(mark).href ?? "");
        wrapper.dataset.key = mark;
      } else {
        wrapper = doc.createElement("span");
        wrapper.dataset.mark = mark;
      }
      wrapper.append(node);
      node = wrapper;
    }
    paragraph.append(node);
  }
  // A line break at the very end shows only when followed by another; an empty paragraph needs
  // one to keep its height. Reading drops this last one again.
  const last = lastLeaf(paragraph);
  if (!last || last.nodeName === "BR") paragraph.append(doc.createElement("br"));
  return paragraph;
}

/** Something the editor does not edit, shown as a note and kept as it is. */
function renderKept(value, doc) {
  const kept = doc.createElement("span");
  kept.className = "kept-content";
  kept.contentEditable = "false";
  kept.dataset.kept = JSON.stringify(value);
  kept.textContent = `[${value?._type ?? "content"} kept as it is]`;
  return kept;
}

function textWithBreaks(text, doc) {
  const fragment = doc.createDocumentFragment();
  text.split("\n").forEach((line, index) => {
    if (index > 0) fragment.append(doc.createElement("br"));
    if (line) fragment.append(doc.createTextNode(line));
  });
  return fragment;
}

function lastLeaf(node) {
  let current = node.lastChild;
  while (current && current.nodeType === 1 && current.lastChild && !current.dataset?.kept) current = current.lastChild;
  return current;
}

/**
 * The blocks the editor `root` shows. `previous` (the blocks it was made from) lends keys to
 * spans and mark definitions that kept their place, so an unchanged text reads back unchanged.
 */
export function readBlocks(root, previous = []) {
  const before = new Map((Array.isArray(previous) ? previous : []).filter((block) => typeof block?._key === "string")
    .map((block) => [block._key, block]));
  const blocks = [];
  const usedKeys = new Set();
  let loose = [];
  const flush = () => {
    if (loose.length === 0) return;
    blocks.push(readBlock(null, loose, before, usedKeys));
    loose = [];
  };
  for (const node of root.childNodes) {
    if (node.nodeType === 1 && node.dataset.kept !== undefined && !node.closest?.("p")) {
      flush();
      blocks.push(parseKept(node));
    } else if (node.nodeType === 1 && blockTags.has(node.nodeName)) {
      flush();
      blocks.push(readBlock(node, [...node.childNodes], before, usedKeys));
    } else if (node.nodeType === 3 || node.nodeType === 1) {
      loose.push(node);
    }
  }
  flush();
  return blocks;
}

function readBlock(element, nodes, before, usedKeys) {
  // Splitting a paragraph with Enter copies its attributes, key included: the second half
  // gets a key of its own.
  let key = element?.dataset.key;
  if (!key || usedKeys.has(key)) key = newKey();
  usedKeys.add(key);
  const previous = before.get(key);
  const block = { _type: "block", _key: key, style: element?.dataset.style ?? styleOfTag[element?.nodeName] ?? "normal" };
  if (element?.dataset.listItem !== undefined) block.listItem = JSON.parse(element.dataset.listItem);
  if (element?.dataset.level !== undefined) block.level = JSON.parse(element.dataset.level);

  const markDefs = [];
  const spans = [];
  const definitionKeys = new Set();
  const linkKey = (anchor) => {
    const href = anchor.getAttribute("href") ?? "";
    const named = anchor.dataset.key;
    const same = markDefs.find((definition) => definition._key === named);
    if (named && same && same.href === href) return named;
    const sameHref = markDefs.find((definition) => definition._type === "link" && definition.href === href);
    if (sameHref) return sameHref._key;
    const key = named && !definitionKeys.has(named) ? named : newKey();
    definitionKeys.add(key);
    markDefs.push({ _key: key, _type: "link", href });
    return key;
  };
  const leaf = element ? lastLeaf(element) : nodes.at(-1);
  const walk = (node, marks) => {
    if (node.nodeType === 3) {
      if (node.data) spans.push({ text: node.data, marks });
      return;
    }
    if (node.nodeType !== 1) return;
    if (node.dataset.kept !== undefined) {
      spans.push({ kept: parseKept(node) });
      return;
    }
    if (node.nodeName === "BR") {
      if (node !== leaf) spans.push({ text: "\n", marks });
      return;
    }
    let mark = decoratorOf.get(node.nodeName) ?? null;
    if (node.nodeName === "A" && node.hasAttribute("href")) mark = linkKey(node);
    if (node.nodeName === "SPAN" && node.dataset.mark) mark = node.dataset.mark;
    const inner = mark && !marks.includes(mark) ? [...marks, mark] : marks;
    for (const child of node.childNodes) walk(child, inner);
  };
  for (const node of nodes) walk(node, []);

  // Neighbouring text with the same marks is one span.
  const merged = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && !last.kept && !span.kept && sameMarks(last.marks, span.marks)) last.text += span.text;
    else merged.push({ ...span });
  }
  if (merged.length === 0) merged.push({ text: "", marks: [] });
  const usedSpanKeys = new Set();
  block.markDefs = markDefs;
  block.children = merged.map((span, index) => {
    if (span.kept) return span.kept;
    let spanKey = previous?.children?.[index]?._key;
    if (typeof spanKey !== "string" || usedSpanKeys.has(spanKey)) spanKey = newKey();
    usedSpanKeys.add(spanKey);
    return { _type: "span", _key: spanKey, text: span.text, marks: span.marks };
  });
  // Definitions the editor does not edit (annotations other than links) stay while a span
  // still names them.
  const named = new Set(block.children.flatMap((span) => span.marks ?? []));
  for (const definition of previous?.markDefs ?? []) {
    if (definition?._type !== "link" && named.has(definition._key) && !markDefs.some((kept) => kept._key === definition._key)) {
      markDefs.push(definition);
    }
  }
  return block;
}

function parseKept(node) {
  try {
    return JSON.parse(node.dataset.kept);
  } catch {
    return null;
  }
}

function sameMarks(left, right) {
  return left.length === right.length && left.every((mark, index) => mark === right[index]);
}

/** Whether `blocks` hold no text at all (an emptied editor stores nothing). */
export function isEmpty(blocks) {
  return blocks.every((block) => block?._type === "block" && (block.children ?? []).every((span) => span?._type === "span" && span.text === ""));
}
