// A slug: typed, or generated from the field its options name as the source.

import { element, uniqueID } from "../dom.js";
import { fieldFrame } from "./field.js";

export function slugField(field, value, path, context) {
  const id = uniqueID(field.name);
  const input = element("input", { id, type: "text", readonly: context.readOnly, value: value?.current ?? "" });
  const store = () => context.change(path, input.value ? { _type: "slug", current: input.value } : undefined);
  input.addEventListener("input", store);
  const source = field.options?.source;
  const generate = element("button", {
    type: "button", class: "secondary", disabled: context.readOnly || !source,
    title: source ? `Make the slug from ${source}` : "This slug names no source field",
  }, "Generate");
  generate.addEventListener("click", () => {
    const text = context.valueAt(source);
    input.value = slugify(typeof text === "string" ? text : "");
    store();
    input.focus();
  });
  return fieldFrame(field, path, element("div", { class: "inline-row" }, input, generate), { inputID: id });
}

/** `"Maison Étoile, Paris"` → `"maison-etoile-paris"`: lowercase ASCII words joined by dashes. */
export function slugify(text) {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 96);
}
