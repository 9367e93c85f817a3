// Fieldsets: fields a type declares together (`fieldset: "shipping"`) are shown inside one
// <fieldset> with the set's title, where the first of them stands. A set the schema declares
// `collapsed` starts folded behind a toggle button, and unfolds by itself when a validation
// marker lands on a field inside it, so no error is ever hidden.

import { element, uniqueID } from "../dom.js";

/**
 * The nodes to show for `frames` (one per field of `fields`, in order): frames of fields in no
 * fieldset as they are, the others moved into their fieldset. The frames themselves are kept,
 * so whatever hides or finds them (group tabs, markers) still works.
 *
 * ```js
 * form.append(...groupIntoFieldsets(type.fields, frames, type.fieldsets));
 * ```
 */
export function groupIntoFieldsets(fields, frames, fieldsets = []) {
  const declared = new Map((fieldsets ?? []).map((set) => [set.name, set]));
  const made = new Map();
  const nodes = [];
  fields.forEach((field, index) => {
    const set = field.fieldset ? declared.get(field.fieldset) : null;
    if (!set) {
      nodes.push(frames[index]);
      return;
    }
    if (!made.has(set.name)) {
      const wrapper = fieldsetFor(set);
      made.set(set.name, wrapper);
      nodes.push(wrapper);
    }
    made.get(set.name).body.append(frames[index]);
  });
  return nodes;
}

function fieldsetFor(set) {
  const body = element("div", { class: "fieldset-fields", id: uniqueID("fieldset") });
  if (!set.collapsed) {
    const wrapper = element("fieldset", { class: "fieldset", "data-fieldset": set.name },
      element("legend", {}, set.title ?? set.name), body);
    wrapper.body = body;
    return wrapper;
  }
  const toggle = element("button", {
    type: "button", class: "fieldset-toggle", "aria-expanded": "false", "aria-controls": body.id,
  }, set.title ?? set.name);
  const show = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    body.hidden = !open;
  };
  toggle.addEventListener("click", () => show(body.hidden));
  show(false);
  new MutationObserver(() => {
    if (body.hidden && body.querySelector(".has-error, .has-warning")) show(true);
  }).observe(body, { subtree: true, attributes: true, attributeFilter: ["class"] });
  const wrapper = element("fieldset", { class: "fieldset collapsible", "data-fieldset": set.name },
    element("legend", {}, toggle), body);
  wrapper.body = body;
  return wrapper;
}
