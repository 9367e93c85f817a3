// A field the editor's role may not see: its label and "hidden for your role" where the field
// would stand, so that a missing value is never mistaken for an empty one. It holds no control
// and no value (the server never sent one), and is not a `.field`, so no marker or save finds it.

import { element } from "../dom.js";

export function hiddenFieldFrame(field) {
  return element("div", { class: "field-hidden", "data-hidden-field": field.name },
    element("span", { class: "field-hidden-label" }, field.title ?? field.name),
    element("span", { class: "field-hidden-note" }, "hidden for your role"));
}
