// Finding the field a validation marker belongs to: the field at its path, or the nearest
// enclosing one (`tags[2]` → `tags`, `address.city` → `address` when the city is not shown).

/** The field frame in `container` for the marker path `path`, or null. */
export function markerFrame(container, path) {
  let current = path;
  while (current) {
    const frame = container.querySelector(`.field[data-path="${CSS.escape(current)}"]`);
    if (frame) return frame;
    const cut = Math.max(current.lastIndexOf("."), current.lastIndexOf("["));
    if (cut <= 0) break;
    current = current.slice(0, cut);
  }
  return null;
}
