// Nested objects: their fields in a fieldset, edited like the document's own.

import { element } from "../dom.js";
import { childPath, fieldFrame } from "./field.js";

export function objectField(field, value, path, context, render) {
  const fields = context.workspace.fieldsOf(field);
  const object = value && typeof value === "object" ? value : {};
  const children = fields
    .filter((child) => context.workspace.showsField(context.documentType, child, object))
    .map((child) => render(child, object[child.name], childPath(path, child.name), context));
  const frame = fieldFrame(field, path, element("div", { class: "object-fields" }, children), { grouped: true });
  frame.classList.add("object");
  return frame;
}
