// Fields edited in one input: strings, text, numbers, booleans, dates, URLs and e-mail
// addresses, and strings or numbers chosen from a list (radio buttons or a dropdown).

import { element, uniqueID } from "../dom.js";
import { fieldFrame } from "./field.js";

const inputTypes = { string: "text", url: "url", email: "email", number: "number", date: "date", datetime: "datetime-local" };

export function primitiveField(field, value, path, context) {
  if (field.options?.list) return listField(field, value, path, context);
  const id = uniqueID(field.name);
  let input;
  if (field.type === "boolean") {
    input = element("input", { id, type: "checkbox", checked: value === true, disabled: context.readOnly });
    input.addEventListener("change", () => context.change(path, input.checked));
    const frame = fieldFrame(field, path, element("div", { class: "checkbox" }, input), { inputID: id });
    frame.classList.add("boolean");
    return frame;
  }
  if (field.type === "text") {
    // The box grows with its text (a model's notes, a long summary) from the field's rows up to
    // most of the screen, instead of a few lines to scroll inside.
    const rows = field.rows ?? 4;
    input = element("textarea", { id, rows, readonly: context.readOnly, value: value ?? "", class: "grows" });
    input.style.minHeight = `calc(${rows}lh + .8rem + 2px)`;
  } else {
    input = element("input", {
      id, type: inputTypes[field.type] ?? "text", readonly: context.readOnly,
      value: field.type === "datetime" ? toLocalDateTime(value) : (value ?? ""),
      step: field.type === "number" ? "any" : null,
    });
  }
  input.addEventListener("input", () => context.change(path, fromInput(field.type, input.value)));
  return fieldFrame(field, path, input, { inputID: id });
}

/** A value chosen from the field's list: radio buttons for `layout: radio`, else a dropdown. */
function listField(field, value, path, context) {
  const options = field.options.list;
  const decode = (text) => (field.type === "number" ? Number(text) : text);
  if (field.options.layout === "radio") {
    const name = uniqueID(field.name);
    const radios = options.map((option) => {
      const id = uniqueID(field.name);
      const radio = element("input", {
        id, type: "radio", name, value: String(option.value), checked: option.value === value, disabled: context.readOnly,
      });
      radio.addEventListener("change", () => { if (radio.checked) context.change(path, decode(radio.value)); });
      return element("div", { class: "choice" }, radio, element("label", { for: id }, option.title));
    });
    return fieldFrame(field, path, element("div", { class: "choices" }, radios), { grouped: true });
  }
  const id = uniqueID(field.name);
  const select = element("select", { id, disabled: context.readOnly },
    element("option", { value: "" }, "—"),
    options.map((option) => element("option", { value: String(option.value), selected: option.value === value }, option.title)));
  select.addEventListener("change", () => context.change(path, select.value === "" ? undefined : decode(select.value)));
  return fieldFrame(field, path, select, { inputID: id });
}

/** The stored value of an input's text: empty means absent, numbers are numbers. */
export function fromInput(type, text) {
  if (text === "") return undefined;
  if (type === "number") {
    const number = Number(text);
    return Number.isFinite(number) ? number : text;
  }
  if (type === "datetime") {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? text : date.toISOString();
  }
  return text;
}

/** An ISO date-time as `datetime-local` shows it, in the editor's time zone. */
function toLocalDateTime(value) {
  if (typeof value !== "string") return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}
