// Images. Facet has no asset store yet, so an image is held as Sanity holds one made from a URL:
// `{_type: "image", url, alt}` (an `asset` reference, a hotspot or a crop already stored are
// kept as they are). The editor edits the address and the alternative text, warns while the
// alternative text is missing, and shows the image with it.

import { element, uniqueID } from "../dom.js";
import { fieldFrame } from "./field.js";

export function imageField(field, value, path, context) {
  const editor = imageEditor({ value, path, context, store: (image) => context.change(path, image) });
  const frame = fieldFrame(field, path, editor, { grouped: true });
  frame.classList.add("image-field");
  return frame;
}

/**
 * The controls of one image at `path`: its URL, its alternative text and a preview.
 * `store(image)` receives the new value, or `undefined` once nothing is left of it.
 */
export function imageEditor({ value, path, context, store, label = "Image" }) {
  let image = value && typeof value === "object" && !Array.isArray(value) ? { ...value } : {};
  const urlID = uniqueID("image-url");
  const altID = uniqueID("image-alt");
  const url = element("input", {
    id: urlID, type: "url", value: typeof image.url === "string" ? image.url : "", readonly: context.readOnly,
    placeholder: "https://… or /path/on/this/server.jpg", spellcheck: "false",
  });
  const alt = element("input", { id: altID, type: "text", value: typeof image.alt === "string" ? image.alt : "", readonly: context.readOnly });
  const urlFrame = fieldFrame({ name: "url", title: `${label} URL`, description: "An https address, or a path on this server starting with /" },
    `${path}.url`, url, { inputID: urlID });
  const altFrame = fieldFrame({ name: "alt", title: "Alternative text", description: "What the image shows, for people who cannot see it" },
    `${path}.alt`, alt, { inputID: altID });
  const warning = element("p", { class: "image-alt-warning", role: "note" },
    "This image has no alternative text, so screen readers cannot describe it: say what it shows.");
  const preview = element("div", { class: "image-preview", "aria-live": "polite" });
  const asset = typeof image.asset?._ref === "string"
    ? element("p", { class: "field-description" }, `Stored with the asset ${image.asset._ref}.`) : null;

  const showWarning = () => {
    warning.hidden = !(image.url || image.asset) || Boolean(image.alt?.trim?.());
  };
  const showPreview = () => {
    const source = typeof image.url === "string" ? image.url : "";
    if (!source) {
      preview.replaceChildren(element("p", { class: "image-note" }, "No image yet: enter its address above."));
      return;
    }
    // The page's content policy loads images only over https or from this server; anything
    // else would be refused with a console error rather than shown.
    if (!/^https:\/\/[^\s]+$/i.test(source) && !/^\/(?!\/)\S*$/.test(source)) {
      preview.replaceChildren(element("p", { class: "image-note" },
        "No preview: the studio shows images from https addresses or from this server only."));
      return;
    }
    const picture = element("img", { src: source, alt: image.alt ?? "", class: "image-thumb", loading: "lazy" });
    picture.addEventListener("error", () => {
      preview.replaceChildren(element("p", { class: "image-note" }, `The image at ${source} could not be loaded.`));
    });
    preview.replaceChildren(picture);
  };

  const commit = () => {
    const next = { ...image, _type: "image" };
    const address = url.value.trim();
    if (address) next.url = address; else delete next.url;
    if (alt.value) next.alt = alt.value; else delete next.alt;
    image = next;
    const meaningful = Object.keys(next).some((key) => !["_type", "_key"].includes(key));
    store(meaningful ? next : undefined);
    showWarning();
  };
  url.addEventListener("input", commit);
  // The preview waits for the finished address, so that no half-typed one is fetched.
  url.addEventListener("change", showPreview);
  alt.addEventListener("input", () => {
    commit();
    const picture = preview.querySelector("img");
    if (picture) picture.alt = alt.value;
  });
  showWarning();
  showPreview();
  return element("div", { class: "image-editor" },
    element("div", { class: "image-inputs" }, urlFrame, altFrame, warning, asset), preview);
}
