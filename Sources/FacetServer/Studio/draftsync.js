// How the editor's edits meet others' on the draft. The editor keeps the base — the stored
// document its edits were made on — and saves each edited field as the difference from it: a
// text as a `diffMatchPatch` of the characters typed, so that the server merges it into whatever
// others saved meanwhile; inside an object (an address) only the members that changed; in a
// keyed array item by item; any other value as a `set`. Changes arriving from others are
// merged into the form the same way.

import { makePatch, merge } from "./textmerge.js";

/** Members the server keeps; a draft is made from the rest. */
export const systemMembers = new Set(["_rev", "_createdAt", "_updatedAt", "_originalId"]);

/**
 * The patches of draft `id` that save fields `names` of `document`, edited from `base`.
 * A text present on both sides is patched by characters, an object present on both sides member
 * by member, and an array of keyed items (line items, blocks of text) item by item: removed
 * items unset, new ones inserted beside their neighbours, changed ones patched in place. Other
 * values are set, or unset when gone. Empty when nothing changed.
 */
export function draftPatch(id, names, base, document) {
  const set = {};
  const unset = [];
  const texts = {};
  const inserts = [];
  const edit = (path, before, after) => {
    if (same(before, after)) return;
    if (after === undefined) unset.push(path);
    else if (typeof before === "string" && typeof after === "string" && before !== "") texts[path] = makePatch(before, after);
    else if (isRecord(before) && isRecord(after) && [...Object.keys(before), ...Object.keys(after)].every((key) => plainName.test(key))) {
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) edit(`${path}.${key}`, before[key], after[key]);
    } else if (!editItems(path, before, after)) set[path] = after;
  };
  // Item by item when both arrays are keyed and the items kept stay in their order; false to
  // set the whole array instead.
  const editItems = (path, before, after) => {
    if (!isKeyed(before) || !isKeyed(after)) return false;
    const at = (key) => `${path}[_key==${JSON.stringify(key)}]`;
    const afterKeys = new Set(after.map((item) => item._key));
    const beforeItems = new Map(before.map((item) => [item._key, item]));
    const kept = after.filter((item) => beforeItems.has(item._key)).map((item) => item._key);
    const keptBefore = before.filter((item) => afterKeys.has(item._key)).map((item) => item._key);
    if (kept.join("\u0000") !== keptBefore.join("\u0000")) return false;
    if (kept.length === 0 && after.length > 0) return false;
    for (const item of before) if (!afterKeys.has(item._key)) unset.push(at(item._key));
    let previous = null;
    let run = [];
    const flush = (next) => {
      if (run.length === 0) return;
      inserts.push(previous !== null ? { after: at(previous), items: run } : { before: at(next), items: run });
      run = [];
    };
    for (const item of after) {
      if (!beforeItems.has(item._key)) { run.push(item); continue; }
      flush(item._key);
      edit(at(item._key), beforeItems.get(item._key), item);
      previous = item._key;
    }
    flush(null);
    return true;
  };
  for (const name of names) edit(name, base?.[name], document[name]);
  const patch = { id };
  if (Object.keys(set).length) patch.set = set;
  if (unset.length) patch.unset = unset;
  if (Object.keys(texts).length) patch.diffMatchPatch = texts;
  // One insert per patch, as Sanity's patches take them; they run after the edits above.
  const patches = Object.keys(patch).length > 1 ? [patch] : [];
  for (const insert of inserts) patches.push({ id, insert });
  return patches;
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
 * One value changed on both sides: texts merged by characters, objects member by member, keyed
 * arrays item by item; of any other value changed on both sides, this editor's is kept.
 * `merged` says whether both sides' changes are in the value.
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
  if (isKeyed(mine) && isKeyed(theirs) && (before === undefined || isKeyed(before))) {
    const value = mergeItems(before ?? [], mine, theirs);
    return { value, merged: !same(value, mine) && !same(value, theirs) };
  }
  return { value: mine, merged: false };
}

/**
 * Keyed items changed on both sides: their order and their items, less the items this editor
 * removed, each item changed on both sides merged, and this editor's new items placed after
 * the item they follow here.
 */
function mergeItems(before, mine, theirs) {
  const had = new Map(before.map((item) => [item._key, item]));
  const mineByKey = new Map(mine.map((item) => [item._key, item]));
  const result = [];
  for (const item of theirs) {
    const own = mineByKey.get(item._key);
    if (own === undefined) {
      // Removed here, or added there: theirs unless this editor removed it.
      if (!had.has(item._key)) result.push(item);
      continue;
    }
    result.push(mergeValue(had.get(item._key), own, item).value);
  }
  // As the saved patch places them: after the item they follow here, or, at the start, before
  // the item they precede.
  const placed = new Set(result.map((item) => item._key));
  let previous = null;
  let leading = [];
  for (const item of mine) {
    if (!had.has(item._key) && !placed.has(item._key)) {
      placed.add(item._key);
      if (previous === null) { leading.push(item); continue; }
      result.splice(result.findIndex((other) => other._key === previous) + 1, 0, item);
    } else if (placed.has(item._key) && previous === null && leading.length) {
      result.splice(result.findIndex((other) => other._key === item._key), 0, ...leading);
      leading = [];
    }
    if (placed.has(item._key)) previous = item._key;
  }
  result.push(...leading);
  return result;
}

// Members reached with a dotted path in a patch; others are saved with their whole object.
const plainName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An array of objects, each with its own `_key` that a patch path can name. */
function isKeyed(value) {
  if (!Array.isArray(value)) return false;
  const keys = new Set();
  for (const item of value) {
    if (!isRecord(item) || typeof item._key !== "string" || !/^[A-Za-z0-9_-]+$/.test(item._key) || keys.has(item._key)) return false;
    keys.add(item._key);
  }
  return true;
}

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
