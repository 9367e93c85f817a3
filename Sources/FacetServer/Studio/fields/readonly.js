// Values the studio has no editor for (arrays mixing primitives with objects, types it does
// not know): shown as JSON, so nothing is hidden and nothing is lost.

import { element, uniqueID } from "../dom.js";
import { fieldFrame } from "./field.js";

export function readOnlyField(field, value, path) {
  const id = uniqueID(field.name);
  const text = value === undefined ? "" : JSON.stringify(value, null, 2);
  const area = element("textarea", {
    id, readonly: true, class: "json", rows: Math.min(8, Math.max(2, text.split("\n").length)), value: text,
  });
  return fieldFrame({ ...field, description: [field.description, "Shown as JSON; not editable here yet."].filter(Boolean).join(" ") },
    path, area, { inputID: id });
}
