// The uploaded images of a dataset, to reuse one: newest first, searched by file name or title
// (ignoring case and accents, as GROQ's match does), each with where it is used.

import { query } from "../api.js";
import { imagePicture } from "../assets.js";
import { debounce, element, uniqueID } from "../dom.js";

const pageSize = 48;

const browseQuery = `*[_type == "sanity.imageAsset" && ($search == "" || originalFilename match $search || title match $search)]
  | order(_createdAt desc)[0...${pageSize}]{
    _id, originalFilename, title, "width": metadata.dimensions.width, "height": metadata.dimensions.height,
    "uses": count(*[references(^._id)]), "usedBy": *[references(^._id)][0...3]{_id, "title": coalesce(name, title, _id)}
  }`;

/**
 * A panel listing the dataset's images; `choose(id)` is called with the asset id picked.
 * Answers `{panel, open()}`: the panel starts hidden, and `open()` shows it and loads the list.
 */
export function assetBrowser({ dataset, choose }) {
  const searchID = uniqueID("asset-search");
  const search = element("input", { id: searchID, type: "search", class: "asset-search", placeholder: "File name or title", autocomplete: "off" });
  const grid = element("ul", { class: "asset-grid", "aria-label": "Uploaded images" });
  const status = element("p", { class: "asset-status", role: "status" });
  const panel = element("fieldset", { class: "asset-browser", hidden: true },
    element("legend", {}, "Uploaded images"),
    element("label", { for: searchID }, "Search the uploaded images"), search, status, grid);
  let generation = 0;

  const load = async () => {
    const current = ++generation;
    status.textContent = "Loading…";
    let answer;
    try {
      // Words become prefixes, as the studio's other searches take them.
      const words = search.value.trim().split(/\s+/).filter(Boolean).map((word) => `${word}*`);
      answer = await query(browseQuery, { search: words.join(" ") }, { dataset });
    } catch (error) {
      if (current === generation) status.textContent = `The images could not be listed: ${error.message}`;
      return;
    }
    if (current !== generation) return;
    const assets = answer.result ?? [];
    status.textContent = assets.length === 0 ? "No uploaded image matches."
      : `${assets.length === pageSize ? `The ${pageSize} newest` : assets.length} image${assets.length === 1 ? "" : "s"}; pick one to use it here.`;
    grid.replaceChildren(...assets.map((asset) => {
      const name = asset.title || asset.originalFilename || asset._id;
      const used = asset.uses === 0 ? "Not used yet"
        : `Used by ${asset.usedBy.map((document) => document.title).join(", ")}${asset.uses > asset.usedBy.length ? ` and ${asset.uses - asset.usedBy.length} more` : ""}`;
      const media = element("span", { class: "asset-thumb", "aria-hidden": "true" });
      imagePicture({ asset: { _ref: asset._id } }, "w=192&h=192&fit=crop", { dataset, alt: "", loading: "lazy", width: 96, height: 96 })
        .then((picture) => { if (picture) media.replaceChildren(picture); });
      const button = element("button", { type: "button", class: "asset-choice", "data-id": asset._id },
        media, element("span", { class: "asset-name" }, name),
        element("span", { class: "asset-size" }, `${asset.width} × ${asset.height}`),
        element("span", { class: "asset-uses" }, used));
      button.addEventListener("click", () => {
        panel.hidden = true;
        choose(asset._id);
      });
      return element("li", {}, button);
    }));
  };
  search.addEventListener("input", debounce(load, 250));
  return {
    panel,
    open() {
      panel.hidden = false;
      load();
      search.focus();
    },
    close() {
      panel.hidden = true;
    },
  };
}
