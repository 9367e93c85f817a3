// References: a search picker following the ARIA combobox pattern. Focusing it shows the
// recently edited documents of the allowed types; typing searches their search fields
// (ignoring case and accents, best matches first); each row carries what tells it apart from
// namesakes; the arrow keys and Enter (or a click) pick one. "Create new" starts a document of
// an allowed type in the pane to the right and links it here once it is published. The picked
// document's title is shown with a link that opens it to the right and a button that clears it.
// Used by reference fields and by the members of arrays of references.

import { query, SessionEnded } from "../api.js";
import { announce, debounce, element, uniqueID } from "../dom.js";
import { listen } from "../listen.js";
import { startDocument } from "../newdocument.js";
import { publishedID } from "../workspace.js";
import { fieldFrame } from "./field.js";

const searchDelay = 250;
const resultLimit = 10;

export function referenceField(field, value, path, context) {
  const id = uniqueID(field.name);
  const picker = referencePicker({
    inputID: id, field, value, context,
    store: (reference) => context.change(path, reference),
  });
  const description = field.description ?? `Search ${targetTitles(field, context)} by name; pick with the arrow keys and Enter.`;
  return fieldFrame({ ...field, description }, path, picker, { inputID: id });
}

/** "Customer or LIZA Customer": the types a reference may point to, as editors read them. */
export function targetTitles(field, context) {
  const titles = (field.to ?? []).map((target) => context.workspace.type(target.type)?.title ?? target.type);
  return titles.length > 1 ? `${titles.slice(0, -1).join(", ")} or ${titles.at(-1)}` : (titles[0] ?? "documents");
}

/**
 * The picker for a reference to one of `field.to`, holding `value` (`{_ref}` or nothing).
 * `store(reference)` receives `{_type: "reference", _ref, _weak?}` when a document is picked
 * and `undefined` when the reference is cleared. `label` names the search box when no field
 * label does (array members).
 */
export function referencePicker({ inputID = uniqueID("reference"), field, value, context, store, label = null }) {
  const types = (field.to ?? []).map((target) => target.type);
  const listID = uniqueID("results");
  const statusID = uniqueID("status");
  let current = value && typeof value === "object" && typeof value._ref === "string" ? value : null;
  let results = [];
  let active = -1;
  let sequence = 0;

  const input = element("input", {
    id: inputID, type: "text", role: "combobox", autocomplete: "off", spellcheck: "false",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listID,
    "aria-label": label, placeholder: `Search ${targetTitles(field, context)}…`,
    readonly: context.readOnly,
  });
  const list = element("ul", { id: listID, role: "listbox", class: "picker-results", hidden: true,
    "aria-label": `${targetTitles(field, context)} found` });
  const status = element("p", { id: statusID, class: "picker-status", "aria-live": "polite" });
  const title = element("span", { class: "reference-title" });
  const open = element("a", { class: "reference-open" }, "Open");
  const clear = element("button", { type: "button", class: "icon reference-clear", disabled: context.readOnly }, "Clear");
  const shown = element("div", { class: "reference-current inline-row" }, title, open, clear);

  const showCurrent = () => {
    shown.hidden = !current;
    if (!current) return;
    const ref = current._ref;
    open.setAttribute("href", context.documentHref(ref));
    title.textContent = current.title ?? ref;
    open.setAttribute("aria-label", `Open ${current.title ?? ref}`);
    clear.setAttribute("aria-label", `Clear the reference to ${current.title ?? ref}`);
    if (current.title) return;
    const wanted = ref;
    query(`*[_id == $ref][0]{${["_type", ...context.workspace.previewMembers(types)].join(", ")}}`, { ref },
      { dataset: context.workspace.dataset, perspective: "drafts" })
      .then((answer) => {
        if (current?._ref !== wanted) return;
        const found = answer.result;
        current = { ...current, title: found ? textOf(found.title) || wanted : null };
        title.textContent = found ? current.title : `No document with the id ${wanted}`;
        open.setAttribute("aria-label", `Open ${current.title ?? wanted}`);
        clear.setAttribute("aria-label", `Clear the reference to ${current.title ?? wanted}`);
      })
      .catch(() => {});
  };

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const highlight = (index) => {
    active = index;
    for (const [position, option] of [...list.children].entries()) {
      option.setAttribute("aria-selected", String(position === index));
      if (position === index) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView?.({ block: "nearest" });
      }
    }
  };

  // "Create new": a document started in the next pane, linked once it is published.
  let waiting = null;
  const creatable = context.readOnly ? [] : types.filter((name) => context.workspace.mayCreate(name));
  const create = (typeName) => {
    const type = context.workspace.type(typeName);
    const titlePath = type?.preview?.select?.title ?? context.workspace.firstStringField(type);
    const words = input.value.trim();
    const fill = words && titlePath && !titlePath.includes(".") ? { [titlePath]: words } : {};
    const id = startDocument(context.workspace, typeName, fill);
    input.value = "";
    close();
    waiting?.close();
    const typeTitle = type?.title ?? typeName;
    status.textContent = `Fill in the new ${typeTitle} on the right and publish it: it is linked here then.`;
    waiting = listen("_id == $id", { id }, {
      dataset: context.workspace.dataset,
      onMutation: (event) => {
        if (!picker.isConnected) { waiting?.close(); waiting = null; return; }
        if (event.transition === "disappear" || event.documentId?.startsWith("drafts.")) return;
        waiting?.close();
        waiting = null;
        current = { _ref: id, title: null };
        store({ _type: "reference", _ref: id, ...(field.weak ? { _weak: true } : {}) });
        status.textContent = "";
        showCurrent();
        announce(`The new ${typeTitle} is published and linked`);
      },
    });
    location.hash = context.documentHref(id);
  };

  const pick = (index) => {
    if (index >= results.length) {
      create(creatable[index - results.length]);
      return;
    }
    const found = results[index];
    if (!found) return;
    const ref = publishedID(found._id);
    current = { _ref: ref, title: textOf(found.title) || ref };
    store({ _type: "reference", _ref: ref, ...(field.weak ? { _weak: true } : {}) });
    input.value = "";
    close();
    status.textContent = "";
    showCurrent();
    announce(`Picked ${current.title}`);
  };

  const option = (index, children) => {
    const item = element("li", { id: `${listID}-${index}`, role: "option", class: "picker-option", "aria-selected": "false" }, children);
    // A press on an option must not blur the box first, or the list would close under it.
    item.addEventListener("mousedown", (event) => event.preventDefault());
    item.addEventListener("click", () => pick(index));
    return item;
  };

  const draw = (term) => {
    const rows = results.map((found, index) => {
      const workspace = context.workspace;
      const subtitle = found.subtitle === null || found.subtitle === undefined ? "" : workspace.previewText(found._type, "subtitle", found.subtitle);
      const kind = types.length > 1 ? workspace.type(found._type)?.title ?? found._type : "";
      const detail = workspace.detailText(found._type, found.detail, [subtitle]);
      const draft = found._originalId?.startsWith("drafts.") ? "Draft" : "";
      return option(index, [
        element("span", { class: "item-title" }, textOf(found.title) || publishedID(found._id)),
        element("span", { class: "item-subtitle" }, [kind, subtitle, detail, draft].filter(Boolean).join(" · ") || publishedID(found._id)),
      ]);
    });
    const creating = creatable.map((typeName, offset) => option(results.length + offset, [
      element("span", { class: "item-title create-new" }, `+ Create new ${context.workspace.type(typeName)?.title ?? typeName}`,
        term ? ` “${term}”` : ""),
    ]));
    list.replaceChildren(...rows, ...creating);
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = results.length
      ? `${term ? "" : "Recently edited: "}${results.length === 1 ? "1 document" : `${results.length} documents`}${term ? " found" : ""}; use the arrow keys and Enter to pick one.`
      : (term ? `No ${targetTitles(field, context)} matches “${term}”.` : `There are no ${targetTitles(field, context)} documents yet.`);
    highlight(results.length + creating.length ? 0 : -1);
  };

  const search = async () => {
    if (context.readOnly) return;
    const term = input.value.trim();
    const mine = ++sequence;
    const workspace = context.workspace;
    const members = ["_id", "_type", "_originalId", ...workspace.previewMembers(types), workspace.detailMember(types)].filter(Boolean);
    const words = term.replace(/[*"\\]/g, " ").trim().split(/\s+/).filter(Boolean);
    // Before anything is typed: the documents edited last. Then the best matches first.
    const groq = words.length
      ? `*[_type in $types && ${workspace.searchCondition(types)}] | order(_updatedAt desc) | score(${workspace.searchScore(types)}) [0...${resultLimit}] {${members.join(", ")}}`
      : `*[_type in $types] | order(_updatedAt desc) [0...${resultLimit}] {${members.join(", ")}}`;
    status.textContent = "Searching…";
    try {
      const answer = await query(groq, { types, ...(words.length ? { __search: words.map((word) => `${word}*`).join(" ") } : {}) },
        { dataset: workspace.dataset, perspective: "drafts" });
      if (mine !== sequence || document.activeElement !== input) return;
      results = answer.result ?? [];
      draw(term);
    } catch (error) {
      if (mine !== sequence || error instanceof SessionEnded) return;
      results = [];
      close();
      status.textContent = `The search failed: ${error.message}`;
    }
  };
  const searchSoon = debounce(search, searchDelay);

  input.addEventListener("input", () => searchSoon());
  input.addEventListener("focus", () => { if (!context.readOnly && list.hidden) search(); });
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (event) => {
    if (context.readOnly) return;
    const count = results.length + creatable.length;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (list.hidden) { if (searchSoon.pending()) searchSoon.flush(); else search(); return; }
        if (count) highlight((active + 1) % count);
        break;
      case "ArrowUp":
        event.preventDefault();
        if (!list.hidden && count) highlight((active - 1 + count) % count);
        break;
      case "Enter":
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          pick(active);
        }
        break;
      case "Escape":
        if (!list.hidden) { event.preventDefault(); close(); } else if (input.value) { event.preventDefault(); input.value = ""; }
        break;
      default:
        break;
    }
  });
  clear.addEventListener("click", () => {
    current = null;
    store(undefined);
    showCurrent();
    announce("Reference cleared");
    input.focus();
  });

  showCurrent();
  const picker = element("div", { class: "reference reference-picker" },
    shown, element("div", { class: "picker-box" }, input, list), status);
  picker.input = input;
  return picker;
}

function textOf(value) {
  return typeof value === "string" ? value : (value === null || value === undefined ? "" : String(value));
}
