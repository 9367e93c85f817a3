// Images. An image is uploaded (a file picked, dropped or pasted) or chosen among those already
// uploaded, and held as Sanity holds it, `{_type: "image", asset: {_type: "reference", _ref:
// "image-…"}, alt, crop, hotspot}`; one made from a URL, `{_type: "image", url, alt}`, is still
// edited as before. An uploaded image's crop (the share cut from each side) and hotspot (the
// point to keep in view) are edited with sliders or by clicking the picture, and written as
// Sanity's `sanity.imageCrop` and `sanity.imageHotspot`. The editor warns while the alternative
// text is missing and shows the image as cropped (an uploaded one through a signed, resized URL).

import { uploadAsset } from "../api.js";
import { imagePicture } from "../assets.js";
import { acceptDroppedFiles, acceptPastedFiles, debounce, element, uniqueID } from "../dom.js";
import { assetBrowser } from "./assetbrowser.js";
import { fieldFrame } from "./field.js";

export function imageField(field, value, path, context) {
  const editor = imageEditor({ value, path, context, store: (image) => context.change(path, image) });
  const frame = fieldFrame(field, path, editor, { grouped: true });
  frame.classList.add("image-field");
  return frame;
}

/** The image types the server takes as images; anything else is refused before it is sent. */
const imageTypes = ["image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff", "image/avif", "image/heic"];

/**
 * The controls of one image at `path`: an upload area (picker, drop, paste), its URL, its
 * alternative text and a preview. `store(image)` receives the new value, or `undefined` once
 * nothing is left of it.
 */
export function imageEditor({ value, path, context, store, label = "Image" }) {
  let image = value && typeof value === "object" && !Array.isArray(value) ? { ...value } : {};
  const dataset = context.workspace?.dataset ?? "production";
  const urlID = uniqueID("image-url");
  const altID = uniqueID("image-alt");
  const url = element("input", {
    id: urlID, type: "url", value: typeof image.url === "string" ? image.url : "", readonly: context.readOnly,
    placeholder: "https://… or /path/on/this/server.jpg", spellcheck: "false",
  });
  const alt = element("input", { id: altID, type: "text", value: typeof image.alt === "string" ? image.alt : "", readonly: context.readOnly });
  const urlFrame = fieldFrame({ name: "url", title: `${label} URL`, description: "Or an https address, or a path on this server starting with /" },
    `${path}.url`, url, { inputID: urlID });
  const altFrame = fieldFrame({ name: "alt", title: "Alternative text", description: "What the image shows, for people who cannot see it" },
    `${path}.alt`, alt, { inputID: altID });
  const warning = element("p", { class: "image-alt-warning", role: "note" },
    "This image has no alternative text, so screen readers cannot describe it: say what it shows.");
  const preview = element("div", { class: "image-preview", "aria-live": "polite" });

  // Uploading: a visible button opens the file picker; a file may also be dropped on the
  // preview or pasted while the editor has the focus.
  const picker = element("input", { type: "file", accept: imageTypes.join(","), class: "image-file", hidden: true, tabindex: "-1" });
  const choose = element("button", { type: "button", class: "image-upload", disabled: context.readOnly }, "Upload image…");
  const remove = element("button", { type: "button", class: "image-remove", disabled: context.readOnly }, "Remove uploaded image");
  const browse = element("button", { type: "button", class: "image-browse", "aria-expanded": "false", disabled: context.readOnly },
    "Choose an uploaded image…");
  const progress = element("progress", { class: "image-progress", max: "1", value: "0", hidden: true, "aria-label": "Upload progress" });
  const status = element("p", { class: "image-upload-status", role: "status" });
  const problem = element("p", { class: "image-upload-error", role: "alert", hidden: true });
  let uploading = null;

  const showWarning = () => {
    warning.hidden = !(image.url || image.asset) || Boolean(image.alt?.trim?.());
    remove.hidden = !image.asset;
    cropToggle.hidden = !image.asset;
    if (!image.asset) cropPanel.hidden = true;
  };
  let shown = 0;
  const showPreview = async () => {
    const generation = ++shown;
    const hasSomething = Boolean(image.asset?._ref || (typeof image.url === "string" && image.url));
    if (!hasSomething) {
      preview.replaceChildren(element("p", { class: "image-note" }, "No image yet: upload one, drop one here, or enter its address."));
      return;
    }
    const picture = await imagePicture(image, "w=288&h=288&fit=max", { dataset, alt: image.alt ?? "", class: "image-thumb", loading: "lazy" });
    if (generation !== shown) return;
    if (!picture) {
      preview.replaceChildren(element("p", { class: "image-note" }, image.asset
        ? "The uploaded image cannot be shown: it may have been deleted."
        : "No preview: the studio shows images from https addresses or from this server only."));
      return;
    }
    picture.addEventListener("error", () => {
      preview.replaceChildren(element("p", { class: "image-note" }, "The image could not be loaded."));
    });
    preview.replaceChildren(picture);
  };

  const publish = (next) => {
    image = next;
    const meaningful = Object.keys(next).some((key) => !["_type", "_key"].includes(key));
    store(meaningful ? next : undefined);
    showWarning();
  };
  const commit = () => {
    const next = { ...image, _type: "image" };
    const address = url.value.trim();
    if (address) next.url = address; else delete next.url;
    if (alt.value) next.alt = alt.value; else delete next.alt;
    publish(next);
  };

  const upload = async (file) => {
    if (context.readOnly || !file) return;
    problem.hidden = true;
    if (file.type && !imageTypes.includes(file.type)) {
      problem.textContent = `${file.name || "This file"} is ${file.type}, not an image the studio takes: upload a JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC.`;
      problem.hidden = false;
      return;
    }
    uploading?.abort();
    const controller = new AbortController();
    uploading = controller;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `Uploading ${file.name || "the image"}…`;
    choose.disabled = true;
    try {
      const asset = await uploadAsset("image", file, { dataset, signal: controller.signal, onProgress: (done) => { progress.value = done; } });
      use(asset._id);
      status.textContent = `Uploaded ${file.name || "the image"}.`;
    } catch (error) {
      if (error?.name === "AbortError") return;
      problem.textContent = `The image was not uploaded: ${error?.message ?? error}`;
      problem.hidden = false;
      status.textContent = "";
    } finally {
      if (uploading === controller) uploading = null;
      progress.hidden = true;
      choose.disabled = context.readOnly;
    }
  };

  choose.addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    upload(picker.files?.[0]);
    picker.value = "";
  });
  remove.addEventListener("click", () => {
    const next = { ...image, _type: "image" };
    delete next.asset;
    delete next.hotspot;
    delete next.crop;
    publish(next);
    status.textContent = "The uploaded image was removed from this field.";
    showPreview();
  });
  acceptDroppedFiles(preview, { readOnly: context.readOnly, drop: upload });

  // Crop and hotspot, for uploaded images: six sliders (the keyboard's way) and a click on the
  // picture to place the hotspot.
  const cropToggle = element("button", { type: "button", class: "image-crop-toggle", "aria-expanded": "false", disabled: context.readOnly },
    "Crop and hotspot…");
  const cropPanel = element("fieldset", { class: "image-crop", hidden: true });
  const sliders = {};
  const slider = (name, title) => {
    const id = uniqueID(`image-${name}`);
    const input = element("input", { id, type: "range", min: "0", max: "100", step: "1", value: "0", class: `image-crop-${name}` });
    const output = element("output", { for: id }, "0%");
    sliders[name] = { input, output };
    return element("div", { class: "image-crop-slider" }, element("label", { for: id }, title), input, output);
  };
  const stagePicture = element("div", { class: "image-crop-picture" });
  const cropBox = element("div", { class: "image-crop-box", "aria-hidden": "true" });
  const hotspotDot = element("div", { class: "image-hotspot-dot", "aria-hidden": "true" });
  const stage = element("div", { class: "image-crop-stage" }, stagePicture, cropBox, hotspotDot);
  const reset = element("button", { type: "button", class: "image-crop-reset" }, "No crop, no hotspot");
  cropPanel.append(element("legend", {}, "Crop and hotspot"), stage,
    element("div", { class: "image-crop-sliders" },
      slider("left", "Cut from the left"), slider("right", "Cut from the right"),
      slider("top", "Cut from the top"), slider("bottom", "Cut from the bottom"),
      slider("x", "Hotspot across"), slider("y", "Hotspot down")),
    reset);
  const cropValues = () => {
    const crop = image.crop ?? {}, hotspot = image.hotspot ?? {};
    return {
      left: crop.left ?? 0, right: crop.right ?? 0, top: crop.top ?? 0, bottom: crop.bottom ?? 0,
      x: hotspot.x ?? 0.5, y: hotspot.y ?? 0.5,
    };
  };
  const showCrop = () => {
    const values = cropValues();
    for (const [name, { input, output }] of Object.entries(sliders)) {
      const percent = Math.round(values[name] * 100);
      input.value = String(percent);
      output.textContent = `${percent}%`;
    }
    // Positions through the style object, which the page's content policy allows.
    cropBox.style.left = `${values.left * 100}%`;
    cropBox.style.top = `${values.top * 100}%`;
    cropBox.style.right = `${values.right * 100}%`;
    cropBox.style.bottom = `${values.bottom * 100}%`;
    hotspotDot.style.left = `${values.x * 100}%`;
    hotspotDot.style.top = `${values.y * 100}%`;
  };
  const refreshPreview = debounce(() => showPreview(), 400);
  const storeCrop = (values) => {
    // Keep at least 5% of each dimension, and the hotspot inside what is kept.
    const left = Math.min(values.left, 0.95 - values.right), top = Math.min(values.top, 0.95 - values.bottom);
    const right = Math.min(values.right, 0.95 - left), bottom = Math.min(values.bottom, 0.95 - top);
    const x = Math.min(Math.max(values.x, left), 1 - right), y = Math.min(Math.max(values.y, top), 1 - bottom);
    const round = (value) => Math.round(value * 1000) / 1000;
    const next = { ...image, _type: "image" };
    next.crop = { _type: "sanity.imageCrop", top: round(top), bottom: round(bottom), left: round(left), right: round(right) };
    next.hotspot = { _type: "sanity.imageHotspot", x: round(x), y: round(y),
      width: image.hotspot?.width ?? round((1 - left - right) / 2), height: image.hotspot?.height ?? round((1 - top - bottom) / 2) };
    publish(next);
    showCrop();
    refreshPreview();
  };
  for (const [name, { input }] of Object.entries(sliders)) {
    input.addEventListener("input", () => storeCrop({ ...cropValues(), [name]: Number(input.value) / 100 }));
  }
  stage.addEventListener("click", (event) => {
    if (context.readOnly) return;
    const box = stage.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return;
    storeCrop({ ...cropValues(), x: (event.clientX - box.left) / box.width, y: (event.clientY - box.top) / box.height });
  });
  reset.addEventListener("click", () => {
    const next = { ...image, _type: "image" };
    delete next.crop;
    delete next.hotspot;
    publish(next);
    showCrop();
    refreshPreview();
  });
  cropToggle.addEventListener("click", async () => {
    const opening = cropPanel.hidden;
    cropPanel.hidden = !opening;
    cropToggle.setAttribute("aria-expanded", String(opening));
    if (!opening) return;
    showCrop();
    // The whole picture, uncropped, to crop from.
    const whole = await imagePicture({ asset: image.asset }, "w=560&h=560&fit=max", { dataset, alt: "" });
    stagePicture.replaceChildren(whole ?? element("p", { class: "image-note" }, "The picture cannot be shown."));
  });

  const use = (id) => {
    // A new picture starts without the old one's hotspot and crop.
    const next = { ...image, _type: "image", asset: { _type: "reference", _ref: id } };
    delete next.hotspot;
    delete next.crop;
    delete next.url;
    url.value = "";
    publish(next);
    showPreview();
  };
  const browser = assetBrowser({
    dataset,
    choose: (id) => {
      browse.setAttribute("aria-expanded", "false");
      use(id);
      status.textContent = "The chosen image is used here.";
      browse.focus();
    },
  });
  browse.addEventListener("click", () => {
    if (browser.panel.hidden) {
      browse.setAttribute("aria-expanded", "true");
      browser.open();
    } else {
      browse.setAttribute("aria-expanded", "false");
      browser.close();
    }
  });

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
  const editor = element("div", { class: "image-editor" },
    element("div", { class: "image-inputs" }, urlFrame, altFrame, warning),
    element("div", { class: "image-side" }, preview,
      element("div", { class: "image-actions" }, choose, browse, cropToggle, remove, picker), progress, status, problem),
    cropPanel, browser.panel);
  acceptPastedFiles(editor, { readOnly: context.readOnly, accept: (file) => file.type.startsWith("image/"), paste: upload });
  return editor;
}
