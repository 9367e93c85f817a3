// A reference: the referenced document's title, a link that opens it, and its id to edit.

import { query } from "../api.js";
import { element, uniqueID } from "../dom.js";
import { fieldFrame } from "./field.js";

export function referenceField(field, value, path, context) {
  const id = uniqueID(field.name);
  const input = element("input", { id, type: "text", readonly: context.readOnly, value: value?._ref ?? "", spellcheck: "false" });
  const title = element("span", { class: "reference-title" });
  const open = element("a", { class: "reference-open" }, "Open");
  const show = () => {
    const ref = input.value.trim();
    open.hidden = !ref;
    if (ref) {
      open.setAttribute("href", context.documentHref(ref));
      open.setAttribute("aria-label", `Open the referenced document ${ref}`);
    }
    title.textContent = "";
    if (!ref) return;
    const targets = (field.to ?? []).map((target) => target.type);
    const members = ["_type", ...context.workspace.previewMembers(targets)];
    query(`*[_id == $ref][0]{${members.join(", ")}}`, { ref }, { dataset: context.workspace.dataset, perspective: "drafts" })
      .then((answer) => {
        if (input.value.trim() !== ref) return;
        title.textContent = answer.result ? (answer.result.title ?? ref) : "No document with this id";
      })
      .catch(() => {});
  };
  input.addEventListener("input", () => {
    const ref = input.value.trim();
    context.change(path, ref ? { _type: "reference", _ref: ref, ...(field.weak ? { _weak: true } : {}) } : undefined);
    show();
  });
  show();
  const targets = (field.to ?? []).map((target) => context.workspace.type(target.type)?.title ?? target.type).join(", ");
  const frame = fieldFrame({ ...field, description: field.description ?? `A reference to ${targets}, by id` }, path,
    element("div", { class: "reference" }, element("div", { class: "inline-row" }, input, open), title), { inputID: id });
  return frame;
}
