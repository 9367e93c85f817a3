// Starting documents: a type's initial values, a template's filled fields, or the parts of
// another document a duplicate keeps. A new document lives only in the page until its first
// edit is saved, so opening "New" and leaving again leaves nothing behind.

import { newID } from "./workspace.js";

// New documents not yet saved, by id: the editor opened for one finds it here.
const pending = new Map();

/**
 * Starts a new `typeName` document, filled with the schema's initial values, then `fill`
 * (a field → value object); answers its id, for the editor to open.
 */
export function startDocument(workspace, typeName, fill = {}) {
  const type = workspace.type(typeName);
  const id = newID(typeName);
  const document = { _id: id, _type: typeName, ...initialValues(workspace, type?.fields ?? []), ...fill };
  pending.set(id, document);
  return id;
}

/**
 * Starts a document from `template` (`/v1/structure`'s `templates`), with `parameters`
 * (parameter name → document id): `$parameter` values become references to those documents,
 * `$context: "staff"` the staff document of the editor (when they have one) and
 * `$context: "now"` the moment of creation.
 */
export function startFromTemplate(workspace, template, parameters = {}) {
  const type = workspace.type(template.schemaType);
  const fill = {};
  for (const [name, value] of Object.entries(template.value ?? {})) {
    const field = type?.fields.find((candidate) => candidate.name === name);
    if ("$value" in value) fill[name] = structuredClone(value.$value);
    else if ("$parameter" in value && parameters[value.$parameter]) fill[name] = reference(parameters[value.$parameter], field);
    else if (value.$context === "staff" && workspace.me.staffId) fill[name] = reference(workspace.me.staffId, field);
    else if (value.$context === "now") fill[name] = field?.type === "date" ? today() : new Date().toISOString();
  }
  return startDocument(workspace, template.schemaType, fill);
}

/** The templates offered on a `typeName` document's page: those taking one reference to it. */
export function templatesFor(workspace, typeName) {
  return workspace.templates().filter((template) => template.parameters.length === 1
    && template.parameters[0].to.includes(typeName) && workspace.mayCreate(template.schemaType));
}

/** The templates offered under "New" for `typeName`: those that need no parameter. */
export function plainTemplates(workspace, typeName) {
  return workspace.templates().filter((template) => template.parameters.length === 0 && template.schemaType === typeName);
}

/**
 * Starts a duplicate of `document`: only the fields the schema keeps on duplicate (not the
 * original's personal, sensitive, unique, computed or dated fields), the rest from initial values.
 */
export function startDuplicate(workspace, document) {
  const type = workspace.type(document._type);
  const kept = {};
  for (const field of type?.fields ?? []) {
    if (field.keptOnDuplicate === false || !(field.name in document)) continue;
    kept[field.name] = structuredClone(document[field.name]);
  }
  return startDocument(workspace, document._type, kept);
}

/** The unsaved new document with `id`, if this page started one. */
export function pendingDocument(id) {
  const document = pending.get(id);
  return document ? structuredClone(document) : null;
}

/** Forgets a new document once it is saved (or abandoned). */
export function settleDocument(id) {
  pending.delete(id);
}

/** The schema's initial values of `fields`, inside named and inline objects too. */
export function initialValues(workspace, fields) {
  const values = {};
  for (const field of fields) {
    if (field.initialValue !== undefined) {
      values[field.name] = structuredClone(field.initialValue);
      continue;
    }
    const members = field.fields ?? (field.type !== "reference" ? workspace.type(field.type)?.fields : null);
    if (members && workspace.type(field.type)?.type !== "document") {
      const nested = initialValues(workspace, members);
      if (Object.keys(nested).length) values[field.name] = { _type: field.type === "object" ? undefined : field.type, ...nested };
      if (values[field.name] && values[field.name]._type === undefined) delete values[field.name]._type;
    }
  }
  return values;
}

function reference(id, field) {
  return { _type: "reference", _ref: id, ...(field?.weak ? { _weak: true } : {}) };
}

function today() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}
