// Chooses the editor for a field from its schema type.

import { arrayField } from "./array.js";
import { blockTextField } from "./blocktext.js";
import { geopointField } from "./geopoint.js";
import { fileField } from "./file.js";
import { imageField } from "./image.js";
import { hasComplexMembers, memberArrayField } from "./members.js";
import { objectField } from "./object.js";
import { primitiveField } from "./primitive.js";
import { readOnlyField } from "./readonly.js";
import { referenceField } from "./reference.js";
import { slugField } from "./slug.js";

const primitives = new Set(["string", "text", "number", "boolean", "date", "datetime", "url", "email"]);

/**
 * The editor of `field` holding `value` at `path`. `context` gives `workspace`, `readOnly`,
 * `documentType`, `change(path, value)`, `valueAt(path)` and `documentHref(id)`.
 */
export function renderField(field, value, path, context) {
  if (primitives.has(field.type)) return primitiveField(field, value, path, context);
  if (field.type === "slug") return slugField(field, value, path, context);
  if (field.type === "reference") return referenceField(field, value, path, context);
  if (field.type === "image") return imageField(field, value, path, context);
  if (field.type === "file") return fileField(field, value, path, context);
  if (field.type === "geopoint") return geopointField(field, value, path, context);
  if (field.type === "block") return blockTextField(field, value, path, context);
  if (field.type === "array") {
    if (hasComplexMembers(field.of ?? [], context.workspace)) return memberArrayField(field, value, path, context, renderField);
    return arrayField(field, value, path, context);
  }
  if (field.type === "object" || context.workspace.type(field.type)?.type === "object") {
    return objectField(field, value, path, context, renderField);
  }
  return readOnlyField(field, value, path, context);
}
