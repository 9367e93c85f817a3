// Nested objects: their fields in a fieldset, edited like the document's own, grouped in the
// fieldsets their type declares.

import { element } from "../dom.js";
import { childPath, fieldFrame } from "./field.js";
import { groupIntoFieldsets } from "./fieldsets.js";

export function objectField(field, value, path, context, render) {
  const fields = context.workspace.fieldsOf(field);
  const object = value && typeof value === "object" ? value : {};
  const shown = fields.filter((child) => context.workspace.showsField(context.documentType, child, object));
  const frames = shown.map((child) => render(child, object[child.name], childPath(path, child.name), context));
  const fieldsets = field.fieldsets ?? context.workspace.type(field.type)?.fieldsets ?? [];
  const frame = fieldFrame(field, path, element("div", { class: "object-fields" }, groupIntoFieldsets(shown, frames, fieldsets)), { grouped: true });
  frame.classList.add("object");
  return frame;
}
