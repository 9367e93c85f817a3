// What every field shares: its label, description, the place for its validation markers, and
// the path (`address.city`) by which the server's markers find it.

import { element, uniqueID } from "../dom.js";

/**
 * Wraps `control` with the field's label and description. `grouped` fields (radio groups,
 * checkbox lists, objects) use a fieldset and legend, as screen readers expect.
 */
export function fieldFrame(field, path, control, { inputID = null, grouped = false } = {}) {
  const describedBy = uniqueID("describe");
  const markersID = uniqueID("markers");
  const title = field.title ?? field.name;
  const required = (field.validation ?? []).some((rule) => rule.flag === "required" && rule.level === "error");
  const heading = [title, required ? element("span", { class: "required", "aria-hidden": "true" }, " *") : null];
  const description = field.description ? element("p", { class: "field-description", id: describedBy }, field.description) : null;
  const markers = element("ul", { class: "markers", id: markersID, "aria-live": "polite" });
  const frame = grouped
    ? element("fieldset", { class: "field", "data-path": path, "data-field": field.name },
      element("legend", {}, heading), description, control, markers)
    : element("div", { class: "field", "data-path": path, "data-field": field.name },
      element("label", { for: inputID }, heading), description, control, markers);
  const input = inputID ? control.querySelector?.(`#${CSS.escape(inputID)}`) ?? (control.id === inputID ? control : null) : null;
  if (input) {
    input.setAttribute("aria-describedby", [description ? describedBy : null, markersID].filter(Boolean).join(" "));
    if (required) input.setAttribute("aria-required", "true");
  }
  frame.markerList = markers;
  frame.input = input;
  return frame;
}

/** The dotted path of a field under `parent` (`""` at the top). */
export function childPath(parent, name) {
  return parent ? `${parent}.${name}` : name;
}
