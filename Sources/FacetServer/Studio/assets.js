// Pictures of uploaded assets. An image field holds a reference to its asset
// (`{asset: {_ref: "image-<sha1>-<w>x<h>-<ext>"}}`); `<img src>` sends no token, so the studio
// shows it through a URL the server signed, asked for in batches (a list of fifty rows costs
// one request) and kept until shortly before it expires. Transform parameters (`w`, `h`, `fit`)
// are added to the signed URL: a signature covers any size of its asset.

import { signedAssetURLs } from "./api.js";

const signed = new Map();
let batch = null;
// Renew a URL this long before it expires, so that none expires while a page shows it.
const renewMargin = 120;

/** The width and height an image asset's id names, or null for another id. */
export function imageDimensions(ref) {
  const found = /^image-[0-9a-f]+-(\d+)x(\d+)-[a-z0-9]+$/i.exec(ref ?? "");
  return found ? { width: Number(found[1]), height: Number(found[2]) } : null;
}

/** The tiny placeholder (a data URL) of an image asset whose URL was signed, or null. */
export function assetPlaceholder(ref, { dataset = "production" } = {}) {
  return signed.get(`${dataset}\u0000${ref}`)?.lqip ?? null;
}

/**
 * The URL parameters that show an image value as its editor cropped it (`rect`) and, for
 * pictures cut to a shape (`fit=crop`), centred on its hotspot (`fp-x`, `fp-y`); "" for none.
 */
export function cropParameters(value) {
  const size = imageDimensions(value?.asset?._ref);
  if (!size) return "";
  const crop = value.crop ?? {};
  const left = clamp(crop.left), right = clamp(crop.right), top = clamp(crop.top), bottom = clamp(crop.bottom);
  const parts = [];
  if (left || right || top || bottom) {
    const x = Math.round(size.width * left), y = Math.round(size.height * top);
    const width = Math.max(1, Math.round(size.width * (1 - left - right))), height = Math.max(1, Math.round(size.height * (1 - top - bottom)));
    parts.push(`rect=${x},${y},${width},${height}`);
  }
  const hotspot = value.hotspot;
  if (hotspot && typeof hotspot.x === "number" && typeof hotspot.y === "number") {
    const fx = (hotspot.x - left) / Math.max(0.001, 1 - left - right), fy = (hotspot.y - top) / Math.max(0.001, 1 - top - bottom);
    parts.push(`crop=focalpoint&fp-x=${clamp(fx).toFixed(3)}&fp-y=${clamp(fy).toFixed(3)}`);
  }
  return parts.join("&");
}

function clamp(value) {
  return typeof value === "number" && Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/** A URL showing the asset `ref` with `params` (e.g. "w=72&h=72&fit=crop"), or null when it cannot be shown. */
export async function assetURL(ref, params = "", { dataset = "production" } = {}) {
  if (typeof ref !== "string" || !ref) return null;
  const key = `${dataset}\u0000${ref}`;
  const known = signed.get(key);
  const now = Date.now() / 1000;
  let url = known && known.expires - renewMargin > now ? known.url : null;
  if (!url) url = await requestSigned(key, dataset, ref);
  if (!url) return null;
  return params ? `${url}&${params}` : url;
}

/**
 * An `<img>` of an image value, its placeholder (the asset's blurred miniature) shown behind it
 * until the picture arrives; null when there is nothing to show.
 */
export async function imagePicture(value, params, { dataset = "production", alt = "", ...attributes } = {}) {
  const source = await imageSource(value, params, { dataset });
  if (!source) return null;
  const picture = document.createElement("img");
  for (const [name, attribute] of Object.entries(attributes)) picture.setAttribute(name, attribute);
  picture.alt = alt;
  const placeholder = typeof value?.asset?._ref === "string" ? assetPlaceholder(value.asset._ref, { dataset }) : null;
  if (placeholder) {
    // Set through the style object, which the page's content policy allows (an inline style attribute it would not).
    picture.style.backgroundImage = `url("${placeholder}")`;
    picture.style.backgroundSize = "cover";
    picture.addEventListener("load", () => { picture.style.backgroundImage = ""; }, { once: true });
  }
  picture.src = source;
  return picture;
}

/**
 * Where to show an image value from: its asset (signed, with `params`), else its `url` when it
 * is an https address or a path on this server; null when there is nothing to show.
 */
export async function imageSource(value, params = "", options = {}) {
  const ref = value?.asset?._ref;
  if (typeof ref === "string") return assetURL(ref, [cropParameters(value), params].filter(Boolean).join("&"), options);
  const url = value?.url;
  return typeof url === "string" && /^(https:\/\/|\/(?!\/))/.test(url) ? url : null;
}

function requestSigned(key, dataset, ref) {
  if (!batch || batch.dataset !== dataset || batch.sent) {
    const next = { dataset, ids: new Map(), sent: false };
    next.done = new Promise((resolve) => {
      // Gather what the page asks for in the same turn, then ask once.
      setTimeout(async () => {
        next.sent = true;
        try {
          const answer = await signedAssetURLs([...next.ids.keys()], { dataset });
          for (const [id, url] of Object.entries(answer.urls ?? {})) {
            signed.set(`${dataset}\u0000${id}`, { url, expires: answer.expires, lqip: answer.lqip?.[id] ?? null });
          }
        } catch {
          // Left unsigned: the pictures fall back to their placeholders.
        }
        resolve();
      }, 0);
    });
    batch = next;
  }
  const current = batch;
  current.ids.set(ref, true);
  return current.done.then(() => signed.get(key)?.url ?? null);
}
