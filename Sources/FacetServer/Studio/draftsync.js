// How the editor's edits meet others' on the draft. The editor keeps the base — the stored
// document its edits were made on — and saves each edited field as the difference from it: a
// text as a `diffMatchPatch` of the characters typed, so that the server merges it into whatever
// others saved meanwhile; inside an object (an address) only the members that changed; any other
// value as a `set`. Changes arriving from others are merged into the form the same way.

import { makePatch, merge } from "./textmerge.js";

/** Members the server keeps; a draft is made from the rest. */
export const systemMembers = new Set(["_rev", "_createdAt", "_updatedAt", "_originalId"]);

/**
 * The patch of draft `id` that saves fields `names` of `document`, edited from `base`.
 * A text present on both sides is patched by characters, an object present on both sides member
 * by member; other values are set, or unset when gone.
 */
export function draftPatch(id, names, base, document) {
  const set = {};
  const unset = [];
  const texts = {};
  const edit = (path, before, after) => {
    if (same(before, after)) return;
    if (after === undefined) unset.push(path);
    else if (typeof before === "string" && typeof after === "string" && before !== "") texts[path] = makePatch(before, after);
    else if (isRecord(before) && isRecord(after) && [...Object.keys(before), ...Object.keys(after)].every((key) => plainName.test(key))) {
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) edit(`${path}.${key}`, before[key], after[key]);
    } else set[path] = after;
  };
  for (const name of names) edit(name, base?.[name], document[name]);
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
    let value;
    if (systemMembers.has(name) || name === "_id") value = theirs;
    else {
      const outcome = mergeValue(base?.[name], mine, theirs);
      value = outcome.value;
      if (outcome.merged) merged.push(name);
    }
    if (value === "") value = undefined;
    if (value !== undefined) next[name] = value;
    if (!same(value, mine) && !systemMembers.has(name)) changed.push(name);
    if (!same(value, theirs) && !systemMembers.has(name) && name !== "_id") pending.push(name);
  }
  return { document: next, changed, merged, pending };
}

/**
 * One value changed on both sides: texts merged by characters, objects member by member; of any
 * other value changed on both sides, this editor's is kept. `merged` says whether both sides'
 * changes are in the value.
 */
function mergeValue(before, mine, theirs) {
  if (same(theirs, before) || same(theirs, mine)) return { value: mine, merged: false };
  if (same(mine, before)) return { value: theirs, merged: false };
  if (typeof mine === "string" && typeof theirs === "string" && typeof before === "string") {
    return { value: merge(before, mine, theirs), merged: true };
  }
  if (isRecord(mine) && isRecord(theirs) && (before === undefined || isRecord(before))) {
    const value = {};
    let merged = false;
    for (const key of new Set([...Object.keys(theirs), ...Object.keys(mine)])) {
      const member = mergeValue(before?.[key], mine[key], theirs[key]);
      merged ||= member.merged || (!same(member.value, mine[key]) && !same(member.value, theirs[key]));
      if (member.value !== undefined && member.value !== "") value[key] = member.value;
    }
    return { value, merged: merged || (!same(value, mine) && !same(value, theirs)) };
  }
  return { value: mine, merged: false };
}

// Members reached with a dotted path in a patch; others are saved with their whole object.
const plainName = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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
