// Files: a PDF or a price list, uploaded (picked, dropped or pasted) and held as Sanity holds it,
// `{_type: "file", asset: {_type: "reference", _ref: "file-…"}, description}`. The editor shows
// the file's name and size with a link that downloads it (through a signed URL), and the
// server's reason when a file is refused.

import { query, uploadAsset } from "../api.js";
import { assetURL } from "../assets.js";
import { acceptDroppedFiles, acceptPastedFiles, element, uniqueID } from "../dom.js";
import { fieldFrame } from "./field.js";

export function fileField(field, value, path, context) {
  let file = value && typeof value === "object" && !Array.isArray(value) ? { ...value } : {};
  const dataset = context.workspace?.dataset ?? "production";
  const pickerID = uniqueID("file-picker");
  const picker = element("input", { id: pickerID, type: "file", class: "file-input", disabled: context.readOnly });
  const drop = element("div", { class: "file-drop", "aria-live": "polite" });
  const progress = element("progress", { class: "file-progress", max: "1", value: "0", hidden: true, "aria-label": "Upload progress" });
  const status = element("p", { class: "file-status", role: "status" });
  const problem = element("p", { class: "file-error", role: "alert", hidden: true });
  const remove = element("button", { type: "button", class: "file-remove", disabled: context.readOnly }, "Remove file");
  const descriptionID = uniqueID("file-description");
  const description = element("input", { id: descriptionID, type: "text", value: typeof file.description === "string" ? file.description : "",
    readonly: context.readOnly });
  const descriptionFrame = fieldFrame({ name: "description", title: "Description", description: "What the file is, for whoever opens it" },
    `${path}.description`, description, { inputID: descriptionID });

  const store = (next) => {
    file = next;
    const meaningful = Object.keys(next).some((key) => !["_type", "_key"].includes(key));
    context.change(path, meaningful ? next : undefined);
    remove.hidden = !file.asset;
  };

  let shown = 0;
  const show = async () => {
    const generation = ++shown;
    const ref = file.asset?._ref;
    if (typeof ref !== "string") {
      drop.replaceChildren(element("p", { class: "image-note" }, "No file yet: choose one, or drop it here."));
      return;
    }
    let asset = null;
    try {
      asset = (await query("*[_id == $id][0]{originalFilename, size, mimeType}", { id: ref }, { dataset })).result;
    } catch {
      // Shown by its id below.
    }
    const url = await assetURL(ref, "dl=", { dataset });
    if (generation !== shown) return;
    const name = asset?.originalFilename || ref;
    const size = typeof asset?.size === "number" ? ` · ${asset.size >= 1048576 ? `${(asset.size / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(asset.size / 1024))} KB`}` : "";
    drop.replaceChildren(element("p", { class: "file-name" },
      url ? element("a", { href: url, class: "file-link" }, name) : name,
      element("span", { class: "file-meta" }, `${asset?.mimeType ?? ""}${size}`)));
  };

  const upload = async (chosen) => {
    if (context.readOnly || !chosen) return;
    problem.hidden = true;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `Uploading ${chosen.name || "the file"}…`;
    try {
      const asset = await uploadAsset("file", chosen, { dataset, onProgress: (done) => { progress.value = done; } });
      store({ ...file, _type: "file", asset: { _type: "reference", _ref: asset._id } });
      status.textContent = `Uploaded ${chosen.name || "the file"}.`;
      show();
    } catch (error) {
      problem.textContent = `The file was not uploaded: ${error?.message ?? error}`;
      problem.hidden = false;
      status.textContent = "";
    } finally {
      progress.hidden = true;
    }
  };

  picker.addEventListener("change", () => {
    upload(picker.files?.[0]);
    picker.value = "";
  });
  acceptDroppedFiles(drop, { readOnly: context.readOnly, drop: upload });
  remove.addEventListener("click", () => {
    const next = { ...file, _type: "file" };
    delete next.asset;
    store(next);
    status.textContent = "The file was removed from this field.";
    show();
  });
  description.addEventListener("input", () => {
    const next = { ...file, _type: "file" };
    if (description.value) next.description = description.value; else delete next.description;
    store(next);
  });
  remove.hidden = !file.asset;
  show();
  const editor = element("div", { class: "file-editor" }, drop,
    element("div", { class: "file-actions" }, element("label", { for: pickerID, class: "file-choose" }, "Upload a file"), picker, remove),
    progress, status, problem, descriptionFrame);
  acceptPastedFiles(editor, { readOnly: context.readOnly, accept: () => true, paste: upload });
  const frame = fieldFrame(field, path, editor, { grouped: true });
  frame.classList.add("file-field");
  return frame;
}
