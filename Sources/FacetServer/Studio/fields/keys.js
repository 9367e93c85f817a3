// Array members' keys, as Sanity gives them: every object or reference in an array carries a
// `_key` unique within the array, so that edits, markers and history name a member by its key
// rather than by a position that changes as members move.

/** A fresh key: 12 random hexadecimal characters. */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The path segment of an array member, as the server's validation markers write it:
 * `[_key=="abc"]` when the member has a key, `[2]` otherwise.
 */
export function memberSegment(item, index) {
  const key = item && typeof item === "object" ? item._key : undefined;
  return typeof key === "string" ? `[_key==${JSON.stringify(key)}]` : `[${index}]`;
}

/** `items` with a key on every object member that lacks one (keys already there are kept). */
export function withKeys(items) {
  const seen = new Set();
  return items.map((item) => {
    if (!item || typeof item !== "object" || Array.isArray(item)) return item;
    if (typeof item._key === "string" && item._key && !seen.has(item._key)) {
      seen.add(item._key);
      return item;
    }
    const key = newKey();
    seen.add(key);
    return { ...item, _key: key };
  });
}

/** `"lineItem"` → `"Line item"`: a member or field name as editors read it. */
export function humanize(name) {
  const words = String(name ?? "").replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[-_]+/g, " ").trim().toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : "";
}
