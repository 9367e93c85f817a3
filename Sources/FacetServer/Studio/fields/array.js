// Arrays of strings (or numbers): a list with add, remove and move; with an options list, a set
// of checkboxes. Arrays of objects, references and images are edited by members.js; arrays
// mixing primitives with other members are shown read-only.

import { element, uniqueID } from "../dom.js";
import { fieldFrame } from "./field.js";
import { readOnlyField } from "./readonly.js";

export function arrayField(field, value, path, context) {
  const members = field.of ?? [];
  const primitive = members.length === 1 && ["string", "number"].includes(members[0].type);
  if (!primitive) return readOnlyField(field, value, path, context);
  const member = members[0];
  if (member.options?.list) return checkboxList(field, member, value, path, context);

  let items = Array.isArray(value) ? [...value] : [];
  const list = element("ol", { class: "array-items" });
  const commit = () => context.change(path, items.length ? [...items] : undefined);
  const draw = (focusIndex = null) => {
    list.replaceChildren(...items.map((item, index) => {
      const id = uniqueID(field.name);
      const input = element("input", {
        id, type: member.type === "number" ? "number" : "text", value: item ?? "", readonly: context.readOnly,
        "aria-label": `${field.title ?? field.name}, item ${index + 1}`,
      });
      input.addEventListener("input", () => {
        items[index] = member.type === "number" ? Number(input.value) : input.value;
        commit();
      });
      const button = (label, text, action, disabled = false) => element("button", {
        type: "button", class: "icon", "aria-label": `${label} item ${index + 1}`, title: label, disabled: context.readOnly || disabled,
        onclick: action,
      }, text);
      const move = (offset) => () => {
        const [moved] = items.splice(index, 1);
        items.splice(index + offset, 0, moved);
        commit();
        draw(index + offset);
      };
      const row = element("li", { class: "array-item" }, input,
        button("Move up", "↑", move(-1), index === 0),
        button("Move down", "↓", move(1), index === items.length - 1),
        button("Remove", "✕", () => { items.splice(index, 1); commit(); draw(Math.min(index, items.length - 1)); }));
      if (index === focusIndex) queueMicrotask(() => input.focus());
      return row;
    }));
  };
  const add = element("button", { type: "button", class: "secondary", disabled: context.readOnly }, "Add item");
  add.addEventListener("click", () => {
    items.push(member.type === "number" ? 0 : "");
    commit();
    draw(items.length - 1);
  });
  draw();
  return fieldFrame(field, path, element("div", { class: "array" }, list, add), { grouped: true });
}

/** Several values from a list: one checkbox each, kept in the list's order. */
function checkboxList(field, member, value, path, context) {
  const chosen = new Set(Array.isArray(value) ? value : []);
  const boxes = member.options.list.map((option) => {
    const id = uniqueID(field.name);
    const box = element("input", { id, type: "checkbox", checked: chosen.has(option.value), disabled: context.readOnly });
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(option.value); else chosen.delete(option.value);
      const ordered = member.options.list.map((item) => item.value).filter((item) => chosen.has(item));
      context.change(path, ordered.length ? ordered : undefined);
    });
    return element("div", { class: "choice" }, box, element("label", { for: id }, option.title));
  });
  return fieldFrame(field, path, element("div", { class: "choices" }, boxes), { grouped: true });
}
