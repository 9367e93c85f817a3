// How the editor's edits meet others' on the draft. The editor keeps the base — the stored
// document its edits were made on — and saves each edited top-level field as the difference from
// it: a text as a `diffMatchPatch` of the characters typed, so that the server merges it into
// whatever others saved meanwhile; any other value as a `set`. Changes arriving from others are
// merged into the form the same way, field by field.

import { makePatch, merge } from "./textmerge.js";

/** Members the server keeps; a draft is made from the rest. */
export const systemMembers = new Set(["_rev", "_createdAt", "_updatedAt", "_originalId"]);

/**
 * The patch of draft `id` that saves fields `names` of `document`, edited from `base`.
 * A text present on both sides is patched by characters; others are set, or unset when gone.
 */
export function draftPatch(id, names, base, document) {
  const set = {};
  const unset = [];
  const texts = {};
  for (const name of names) {
    const before = base?.[name];
    const after = document[name];
    if (after === undefined) unset.push(name);
    else if (typeof before === "string" && typeof after === "string" && before !== "") {
      if (before !== after) texts[name] = makePatch(before, after);
    } else set[name] = after;
  }
  const patch = { id };
  if (Object.keys(set).length) patch.set = set;
  if (unset.length) patch.unset = unset;
  if (Object.keys(texts).length) patch.diffMatchPatch = texts;
  return Object.keys(patch).length > 1 ? patch : null;
}

/** A new draft: a copy of the base (the patch that follows adds this editor's edits to it). */
export function draftCopy(id, base) {
  const copy = Object.fromEntries(Object.entries(base).filter(([key]) => !systemMembers.has(key)));
  return { ...copy, _id: id };
}

/**
 * Brings `stored` (the document as the server has it now) into the form. Fields this editor has
 * not changed since `base` take the stored value; a text changed on both sides is merged by
 * characters; any other value changed on both sides keeps this editor's (it is saved next).
 * Answers `{document, changed, merged, pending}`: the new form's values, the fields whose value
 * changed in the form, those merged, and those that still differ from the stored document.
 */
export function mergeStored(base, document, stored) {
  const next = {};
  const changed = [];
  const merged = [];
  const pending = [];
  const names = new Set([...Object.keys(stored), ...Object.keys(document), ...Object.keys(base ?? {})]);
  for (const name of names) {
    const theirs = stored[name];
    const mine = document[name];
    const before = base?.[name];
    let value;
    if (systemMembers.has(name) || name === "_id") value = theirs;
    else if (same(theirs, before) || same(theirs, mine)) value = mine;
    else if (same(mine, before)) value = theirs;
    else if (typeof mine === "string" && typeof theirs === "string" && typeof before === "string") {
      value = merge(before, mine, theirs);
      merged.push(name);
    } else value = mine;
    if (value === "") value = undefined;
    if (value !== undefined) next[name] = value;
    if (!same(value, mine) && !systemMembers.has(name)) changed.push(name);
    if (!same(value, theirs) && !systemMembers.has(name) && name !== "_id") pending.push(name);
  }
  return { document: next, changed, merged, pending };
}

/** Deep equality of JSON values (key order aside). */
export function same(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => same(a[key], b[key]));
}
