// Geopoints: latitude, longitude and an optional altitude, stored as
// `{_type: "geopoint", lat, lng, alt?}`. A value out of range is refused where it is typed, with
// the range to use, and the point already stored is kept until the new one is whole and valid.

import { element, uniqueID } from "../dom.js";
import { fieldFrame } from "./field.js";

const coordinates = [
  { name: "lat", title: "Latitude", min: -90, max: 90, unit: "degrees, -90 (south) to 90 (north)" },
  { name: "lng", title: "Longitude", min: -180, max: 180, unit: "degrees, -180 (west) to 180 (east)" },
  { name: "alt", title: "Altitude", optional: true, unit: "metres above sea level, optional" },
];

export function geopointField(field, value, path, context) {
  const point = value && typeof value === "object" ? value : {};
  const errors = element("ul", { class: "geopoint-errors", role: "alert" });
  const parts = coordinates.map((coordinate) => {
    const id = uniqueID(`${field.name}-${coordinate.name}`);
    const input = element("input", {
      id, type: "number", step: "any", readonly: context.readOnly, inputmode: "decimal",
      min: coordinate.min, max: coordinate.max,
      value: typeof point[coordinate.name] === "number" ? String(point[coordinate.name]) : "",
    });
    const frame = fieldFrame({ name: coordinate.name, title: coordinate.title, description: coordinate.unit },
      `${path}.${coordinate.name}`, input, { inputID: id });
    return { ...coordinate, input, frame };
  });

  const read = () => {
    const problems = [];
    const numbers = {};
    for (const part of parts) {
      part.input.removeAttribute("aria-invalid");
      // A number input reports "" both when empty and when what is typed is no number.
      if (part.input.value === "") {
        if (part.input.validity.badInput) problems.push({ part, message: `${part.title} must be a number.` });
        continue;
      }
      const number = Number(part.input.value);
      if (!Number.isFinite(number)) {
        problems.push({ part, message: `${part.title} must be a number.` });
      } else if (part.min !== undefined && (number < part.min || number > part.max)) {
        problems.push({ part, message: `${part.title} must be from ${part.min} to ${part.max}; ${part.input.value} is out of range.` });
      } else {
        numbers[part.name] = number;
      }
    }
    const [lat, lng] = parts;
    const hasLat = lat.input.value !== "", hasLng = lng.input.value !== "";
    if (hasLat !== hasLng || (!hasLat && parts[2].input.value !== "")) {
      const missing = hasLat ? lng : lat;
      problems.push({ part: missing, message: `Enter the ${missing.title.toLowerCase()} too: a point needs both latitude and longitude.` });
    }
    return { problems, numbers };
  };

  const check = () => {
    const { problems, numbers } = read();
    errors.replaceChildren(...problems.map(({ part, message }) => {
      part.input.setAttribute("aria-invalid", "true");
      return element("li", { class: "marker error" }, element("span", { class: "marker-level" }, "Error: "), message);
    }));
    if (problems.length) errors.append(element("li", { class: "geopoint-kept" }, "The point stored before is kept until these are fixed."));
    return { problems, numbers };
  };
  const commit = () => {
    const { problems, numbers } = check();
    if (problems.length) return;
    if (numbers.lat === undefined) {
      context.change(path, undefined);
      return;
    }
    context.change(path, { _type: "geopoint", lat: numbers.lat, lng: numbers.lng, ...(numbers.alt !== undefined ? { alt: numbers.alt } : {}) });
  };
  // Checked as it is typed, stored once a number is finished (on leaving the box or Enter):
  // typing "95" must not store the 9 it passes through.
  for (const part of parts) {
    part.input.addEventListener("input", check);
    part.input.addEventListener("change", commit);
  }

  const frame = fieldFrame(field, path,
    element("div", { class: "geopoint" }, element("div", { class: "geopoint-inputs" }, parts.map((part) => part.frame)), errors),
    { grouped: true });
  frame.classList.add("geopoint-field");
  return frame;
}
