// What the signed-in editor can actually complete on one document, so that the studio offers
// only that. The server is the judge; these are the rules it applies, read ahead of time:
// - a type the role may only read (the audit log, written by Facet itself) takes no write at all;
// - a document with sensitive fields hidden from the role cannot be unpublished or discarded by
//   it: the server refuses, as the draft either makes would lose the hidden fields;
// - a copy the role could never publish (a required field hidden from it) is not started: a
//   duplicate keeps no sensitive field.

/** The sensitive fields of `type` the editor does not see in `document`. */
export function hiddenFields(workspace, type, document) {
  return type.fields.filter((field) => field.sensitive && !workspace.showsField(type.name, field, document));
}

/**
 * What the editor may do with `document` (of `type`), in its current state
 * (`hasDraft`, `isPublished`): each operation true or false.
 */
export function documentRights(workspace, type, document, { hasDraft, isPublished }) {
  const may = (operation) => workspace.may(operation, type.name);
  const writable = ["create", "update", "delete", "publish"].some(may) && !isWrittenBySystem(type);
  const hidden = hiddenFields(workspace, type, document);
  const whole = hidden.length === 0;
  return {
    writable,
    hidesFields: !whole,
    hidden,
    edit: writable && may("update"),
    publish: writable && may("publish"),
    discard: writable && may("update") && whole && hasDraft && isPublished,
    unpublish: writable && may("publish") && may("update") && whole && isPublished,
    // A copy keeps no sensitive field; one the type requires, hidden from the role, would leave
    // a draft it could never publish.
    duplicate: writable && workspace.mayCreate(type.name),
    delete: writable && may("delete"),
    action: may("action") && !isWrittenBySystem(type),
  };
}

/**
 * Whether documents of `type` are written by Facet itself: the server says so by granting only
 * reading; a schema whose every field is read-only says the same.
 */
export function isWrittenBySystem(type) {
  return type.fields.length > 0 && type.fields.every((field) => field.readOnly);
}
