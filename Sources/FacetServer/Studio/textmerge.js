// Character-level text edits: a diff of two texts, the `diffMatchPatch` patch text the server
// applies (Google's diff-match-patch format, with header numbers counted as Sanity counts them),
// and a three-way merge that keeps both sides' typing when two people edit one field.
//
// Texts are compared by code point, never by UTF-16 unit, so that no edit cuts an emoji in two:
// the server refuses a patch that would.

/** Diff operations, as diff-match-patch numbers them. */
export const DELETE = -1;
export const EQUAL = 0;
export const INSERT = 1;

// Past this many differences a diff is not worth its time: one replacement is still correct.
const maxEditDistance = 2000;
// diff-match-patch's Patch_Margin and Match_MaxBits: the context around each hunk.
const margin = 4;
const maxBits = 32;

/**
 * The edits that turn `a` into `b`: `[[op, text], …]` with `op` one of DELETE, EQUAL, INSERT.
 * Myers' O(ND) algorithm between the common prefix and suffix.
 */
export function diff(a, b) {
  if (a === b) return a ? [[EQUAL, a]] : [];
  const left = Array.from(a);
  const right = Array.from(b);
  let prefix = 0;
  while (prefix < left.length && prefix < right.length && left[prefix] === right[prefix]) prefix += 1;
  let suffix = 0;
  while (suffix < left.length - prefix && suffix < right.length - prefix
    && left[left.length - 1 - suffix] === right[right.length - 1 - suffix]) suffix += 1;
  const ops = [];
  if (prefix) ops.push([EQUAL, left.slice(0, prefix).join("")]);
  ops.push(...middle(left.slice(prefix, left.length - suffix), right.slice(prefix, right.length - suffix)));
  if (suffix) ops.push([EQUAL, left.slice(left.length - suffix).join("")]);
  return compact(ops);
}

/** Myers' greedy shortest edit script of two arrays of code points, as diff operations. */
function middle(left, right) {
  const n = left.length;
  const m = right.length;
  if (n === 0) return m ? [[INSERT, right.join("")]] : [];
  if (m === 0) return [[DELETE, left.join("")]];
  const max = Math.min(n + m, maxEditDistance);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && left[x] === right[y]) { x += 1; y += 1; }
      v[offset + k] = x;
      if (x >= n && y >= m) { found = d; break; }
    }
  }
  if (found < 0) return [[DELETE, left.join("")], [INSERT, right.join("")]];
  // Walk the trace back from the end, one edit per step.
  const ops = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d -= 1) {
    const before = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && before[offset + k - 1] < before[offset + k + 1]);
    const previousK = down ? k + 1 : k - 1;
    const previousX = before[offset + previousK];
    const previousY = previousX - previousK;
    while (x > previousX + (down ? 0 : 1) && y > previousY + (down ? 1 : 0)) {
      x -= 1; y -= 1;
      ops.push([EQUAL, left[x]]);
    }
    if (down) { y -= 1; ops.push([INSERT, right[y]]); } else { x -= 1; ops.push([DELETE, left[x]]); }
  }
  while (x > 0 && y > 0) { x -= 1; y -= 1; ops.push([EQUAL, left[x]]); }
  return ops.reverse();
}

/** Joins neighbouring operations of one kind, and puts deletions before insertions. */
function compact(ops) {
  const out = [];
  let deleted = "";
  let inserted = "";
  const flush = () => {
    if (deleted) out.push([DELETE, deleted]);
    if (inserted) out.push([INSERT, inserted]);
    deleted = inserted = "";
  };
  for (const [op, text] of ops) {
    if (!text) continue;
    if (op === DELETE) deleted += text;
    else if (op === INSERT) inserted += text;
    else {
      flush();
      if (out.at(-1)?.[0] === EQUAL) out.at(-1)[1] += text; else out.push([EQUAL, text]);
    }
  }
  flush();
  return out;
}

/**
 * The `diffMatchPatch` text that turns `a` into `b`, as the server's parser reads it: hunks
 * `@@ -start,length +start,length @@` with 4 characters of context grown until unique, each line
 * a sign and the text as `encodeURI` writes it (spaces kept). Empty when the texts are equal.
 */
export function makePatch(a, b) {
  return hunks(a, diff(a, b)).map(hunkText).join("");
}

/** patch_make(text1, diffs) of diff-match-patch, tracking header numbers in Sanity's bytes. */
function hunks(text, ops) {
  const made = [];
  let hunk = newHunk();
  let chars1 = 0, chars2 = 0, bytes1 = 0, bytes2 = 0;
  let prepatch = text;
  let postpatch = text;
  ops.forEach(([op, piece], index) => {
    const length = piece.length;
    const bytes = byteCount(piece);
    if (hunk.ops.length === 0 && op !== EQUAL) {
      Object.assign(hunk, { start1: chars1, start2: chars2, byteStart1: bytes1, byteStart2: bytes2 });
    }
    if (op === INSERT) {
      hunk.ops.push([op, piece]);
      hunk.length2 += length; hunk.bytes2 += bytes;
      postpatch = postpatch.slice(0, chars2) + piece + postpatch.slice(chars2);
    } else if (op === DELETE) {
      hunk.ops.push([op, piece]);
      hunk.length1 += length; hunk.bytes1 += bytes;
      postpatch = postpatch.slice(0, chars2) + postpatch.slice(chars2 + length);
    } else if (length <= 2 * margin && hunk.ops.length && index !== ops.length - 1) {
      // A small equality stays inside the hunk.
      hunk.ops.push([op, piece]);
      hunk.length1 += length; hunk.length2 += length; hunk.bytes1 += bytes; hunk.bytes2 += bytes;
    } else if (length >= 2 * margin && hunk.ops.length) {
      addContext(hunk, prepatch);
      made.push(hunk);
      hunk = newHunk();
      prepatch = postpatch;
      chars1 = chars2;
      bytes1 = bytes2;
    }
    if (op !== INSERT) { chars1 += length; bytes1 += bytes; }
    if (op !== DELETE) { chars2 += length; bytes2 += bytes; }
  });
  if (hunk.ops.length) {
    addContext(hunk, prepatch);
    made.push(hunk);
  }
  return made;
}

function newHunk() {
  return { ops: [], start1: 0, start2: 0, length1: 0, length2: 0, byteStart1: 0, byteStart2: 0, bytes1: 0, bytes2: 0 };
}

/** patch_addContext_: context grows until the pattern is unique, never inside a surrogate pair. */
function addContext(hunk, text) {
  if (!text) return;
  let pattern = text.slice(hunk.start2, hunk.start2 + hunk.length1);
  let padding = 0;
  while (text.indexOf(pattern) !== text.lastIndexOf(pattern) && pattern.length < maxBits - 2 * margin) {
    padding += margin;
    pattern = text.slice(Math.max(0, hunk.start2 - padding), hunk.start2 + hunk.length1 + padding);
  }
  padding += margin;
  let prefixStart = Math.max(0, hunk.start2 - padding);
  if (prefixStart >= 1 && isLowSurrogate(text.charCodeAt(prefixStart))) prefixStart -= 1;
  const prefix = text.slice(prefixStart, hunk.start2);
  if (prefix) hunk.ops.unshift([EQUAL, prefix]);
  let suffixEnd = hunk.start2 + hunk.length1 + padding;
  if (suffixEnd < text.length && isLowSurrogate(text.charCodeAt(suffixEnd))) suffixEnd += 1;
  const suffix = text.slice(hunk.start2 + hunk.length1, suffixEnd);
  if (suffix) hunk.ops.push([EQUAL, suffix]);
  const prefixBytes = byteCount(prefix);
  const suffixBytes = byteCount(suffix);
  hunk.start1 -= prefix.length; hunk.start2 -= prefix.length;
  hunk.byteStart1 -= prefixBytes; hunk.byteStart2 -= prefixBytes;
  hunk.length1 += prefix.length + suffix.length; hunk.length2 += prefix.length + suffix.length;
  hunk.bytes1 += prefixBytes + suffixBytes; hunk.bytes2 += prefixBytes + suffixBytes;
}

function hunkText(hunk) {
  const lines = hunk.ops.map(([op, piece]) => (op === INSERT ? "+" : op === DELETE ? "-" : " ") + encodeURI(piece).replace(/%20/g, " "));
  return `@@ -${coordinates(hunk.byteStart1, hunk.bytes1)} +${coordinates(hunk.byteStart2, hunk.bytes2)} @@\n${lines.join("\n")}\n`;
}

/** Headers are 1-based, except that an empty range names the position before it. */
function coordinates(start, length) {
  if (length === 0) return `${start},0`;
  if (length === 1) return `${start + 1}`;
  return `${start + 1},${length}`;
}

/**
 * UTF-8 bytes as Sanity's diff-match-patch counts them for headers: it visits every UTF-16 unit,
 * so a character outside the Basic Multilingual Plane counts 4 + 3. The server reads them alike.
 */
export function byteCount(text) {
  let bytes = 0;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) bytes += 4;
    else bytes += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
  }
  return bytes;
}

function isLowSurrogate(unit) {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The edits of `ops` as `{start, end, text}` ranges of the old text (UTF-16 offsets). */
function edits(ops) {
  const out = [];
  let position = 0;
  for (const [op, piece] of ops) {
    if (op === EQUAL) { position += piece.length; continue; }
    const last = out.at(-1);
    const joins = last && last.end === position;
    if (op === DELETE) {
      if (joins) last.end += piece.length; else out.push({ start: position, end: position + piece.length, text: "" });
      position += piece.length;
    } else if (joins) {
      last.text += piece;
    } else {
      out.push({ start: position, end: position, text: piece });
    }
  }
  return out;
}

/**
 * Three-way merge of one text: `base` is what both sides started from, `mine` and `theirs` what
 * each made of it. Every character either side deleted is gone, and everything either side
 * inserted is kept — theirs first where both inserted at one place — so no one's typing is lost.
 */
export function merge(base, mine, theirs) {
  if (mine === theirs || theirs === base) return mine;
  if (mine === base) return theirs;
  const deleted = new Uint8Array(base.length);
  const inserted = new Map();
  for (const list of [edits(diff(base, theirs)), edits(diff(base, mine))]) {
    for (const edit of list) {
      deleted.fill(1, edit.start, edit.end);
      if (edit.text) inserted.set(edit.start, (inserted.get(edit.start) ?? "") + edit.text);
    }
  }
  let out = "";
  for (let index = 0; index <= base.length; index += 1) {
    out += inserted.get(index) ?? "";
    if (index < base.length && !deleted[index]) out += base[index];
  }
  return out;
}

/**
 * Where position `offset` of `before` is in `after` (a caret kept in place across a change made
 * elsewhere): text inserted at the caret goes after it, a deletion around it takes it to its start.
 */
export function mapOffset(before, after, offset) {
  let old = 0;
  let now = 0;
  for (const [op, piece] of diff(before, after)) {
    if (op === EQUAL) {
      if (offset <= old + piece.length) return now + (offset - old);
      old += piece.length; now += piece.length;
    } else if (op === DELETE) {
      if (offset <= old + piece.length) return now;
      old += piece.length;
    } else {
      if (offset <= old) return now;
      now += piece.length;
    }
  }
  return Math.min(now, after.length);
}
