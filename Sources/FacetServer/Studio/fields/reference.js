// References: a search picker following the ARIA combobox pattern. Typing searches the
// documents of the allowed types by their preview title; the arrow keys and Enter (or a click)
// pick one; the picked document's title is shown with a link that opens it and a button that
// clears the reference. Used by reference fields and by the members of arrays of references.

import { query, SessionEnded } from "../api.js";
import { announce, debounce, element, uniqueID } from "../dom.js";
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

  const pick = (index) => {
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

  const draw = (term) => {
    list.replaceChildren(...results.map((found, index) => {
      const subtitle = found.subtitle === null || found.subtitle === undefined
        ? "" : context.workspace.previewText(found._type, "subtitle", found.subtitle);
      const kind = types.length > 1 ? context.workspace.type(found._type)?.title ?? found._type : "";
      const option = element("li", { id: `${listID}-${index}`, role: "option", class: "picker-option", "aria-selected": "false" },
        element("span", { class: "item-title" }, textOf(found.title) || publishedID(found._id)),
        subtitle || kind ? element("span", { class: "item-subtitle" }, [kind, subtitle].filter(Boolean).join(" · ")) : null);
      // A press on an option must not blur the box first, or the list would close under it.
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => pick(index));
      return option;
    }));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = results.length
      ? `${results.length === 1 ? "1 document" : `${results.length} documents`} found: use the arrow keys and Enter to pick one.`
      : (term ? `No ${targetTitles(field, context)} matches “${term}”.` : `There are no ${targetTitles(field, context)} documents.`);
    highlight(results.length ? 0 : -1);
  };

  const search = async () => {
    if (context.readOnly) return;
    const term = input.value.trim();
    const mine = ++sequence;
    const members = ["_id", "_type", ...context.workspace.previewMembers(types)];
    const words = term.replace(/[*"\\]/g, " ").trim();
    const filter = words ? "[title match $pattern]" : "";
    const groq = `*[_type in $types]{${members.join(", ")}}${filter} | order(title asc) [0...${resultLimit}]`;
    status.textContent = "Searching…";
    try {
      const answer = await query(groq, { types, ...(words ? { pattern: `${words}*` } : {}) },
        { dataset: context.workspace.dataset, perspective: "drafts" });
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
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (event) => {
    if (context.readOnly) return;
    const count = results.length;
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
