// The server's refusals in plain words for editors: documents named by their titles, fields by
// their schema titles, never raw ids or JSON. The server's own sentence (written for developers
// and scripts) is kept for the cases not recognised here, with any id in it replaced by the
// document's title when the studio knows it.

import { APIError } from "./api.js";
import { publishedID } from "./workspace.js";

/**
 * A sentence for `error`. `context`: `{workspace, title, type}` — the document the editor acted
 * on, by title, and its schema type.
 */
export function plainWords(error, { workspace = null, title = null, type = null } = {}) {
  if (!(error instanceof APIError)) return error?.message ?? String(error);
  const detail = error.details?.items?.[0]?.error ?? error.details ?? {};
  const kind = detail.type && detail.type !== "mutationError" ? detail.type : error.type;
  const typeName = detail.documentType ?? type?.name;
  const schemaType = typeName ? workspace?.type(typeName) : type;
  const named = title ? `“${title}”` : "this document";
  const fieldTitle = (name) => schemaType?.fields?.find((field) => field.name === name)?.title ?? humanise(name);
  const role = workspace?.me?.role ? `Your role (${workspace.me.role})` : "Your role";
  if (kind === "permissionDenied") {
    if (detail.field) return `${role} cannot change ${named}: the field “${fieldTitle(detail.field)}” is hidden from your role, and this change would touch it.`;
    const operation = detail.operation ?? "change";
    return `${role} may not ${verb(operation)} ${named}.`;
  }
  if (kind === "documentHasExistingReferencesError") return `${capitalise(named)} cannot be deleted while other documents refer to it.`;
  if (kind === "documentNotFoundError") return `${capitalise(named)} no longer exists; someone may have deleted it.`;
  if (kind === "documentRevisionIDDoesNotMatchError" || kind === "concurrentWriteError") {
    return `${capitalise(named)} was changed by someone else at the same moment; try again.`;
  }
  if (kind === "validationError") return `${capitalise(named)} has validation errors; fix them first.`;
  if (error.status === 429 || kind === "serverBusy") return "The server is busy; try again in a moment.";
  if (error.status >= 500) return "The server could not do this just now; try again, and tell an admin if it keeps failing.";
  return withoutIDs(error.message, title);
}

/** The server's sentence with quoted ids (`"drafts.customer-1"`) replaced by the title. */
function withoutIDs(message, title) {
  return String(message).replace(/"(drafts\.)?[A-Za-z0-9._-]+-[A-Za-z0-9._-]+"/g, (id) => {
    const bare = publishedID(id.slice(1, -1));
    return title ? `“${title}”` : bare;
  });
}

function verb(operation) {
  return { create: "create", update: "change", delete: "delete", publish: "publish or unpublish", action: "run actions on" }[operation] ?? operation;
}

function capitalise(text) {
  return text.charAt(0) === "“" ? text : `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** A field key as words: `briefHeuristic` → "Brief heuristic". */
export function humanise(name) {
  const words = String(name).replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
