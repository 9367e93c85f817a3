// Arrays of objects, references and images. Each member is edited in place — an object with
// its own fields, a reference with the search picker, an image with its URL and alternative
// text — and can be moved up or down or removed; "Add" appends a member (a menu offers each
// member type when the array allows several). Every member carries a `_key`, and its frame the
// path the server's markers use for it (`lineItems[_key=="3f9a0c1b2d4e"]`), so a marker about a
// member, or about a field inside one, appears right there.

import { announce, element, uniqueID } from "../dom.js";
import { fieldFrame } from "./field.js";
import { groupIntoFieldsets } from "./fieldsets.js";
import { imageEditor } from "./image.js";
import { humanize, memberSegment, newKey, withKeys } from "./keys.js";
import { referencePicker, targetTitles } from "./reference.js";
import { memberContext } from "./scope.js";

/** Whether `members` (an array field's `of`) are edited here rather than as primitives. */
export function hasComplexMembers(members, workspace) {
  return members.length > 0 && members.every((member) => kindOf(member, workspace) !== null);
}

/** What a member declaration is: "reference", "image", "object", or null for primitives. */
function kindOf(member, workspace) {
  if (member.type === "reference") return "reference";
  if (member.type === "image") return "image";
  if (member.type === "object" || member.fields || workspace.type(member.type)?.type === "object") return "object";
  return null;
}

export function memberArrayField(field, value, path, context, render) {
  const declared = field.of ?? [];
  const members = declared.map((member) => {
    const kind = kindOf(member, context.workspace);
    // An inline object member is stored with its name as `_type`; a named type with its own.
    const typeName = kind === "object" && member.type === "object" ? member.name : member.type;
    return { ...member, kind, typeName, title: titleOf(member, context) };
  });
  let items = withKeys(Array.isArray(value) ? value : []);
  const fieldTitle = field.title ?? humanize(field.name);
  const list = element("ol", { class: "member-items" });

  // A member counts once it holds something: a reference waiting for its pick is not stored.
  const stored = (item) => !(item?._type === "reference" && typeof item._ref !== "string");
  const commit = () => {
    const kept = items.filter(stored);
    context.change(path, kept.length ? structuredClone(kept) : undefined);
  };
  const indexOfKey = (key) => items.findIndex((item) => item?._key === key);

  const container = element("div", { class: "member-array" }, list);
  // After a move or a removal the focus stays where the keyboard was: the first of `selectors`
  // that names an enabled control.
  const draw = (...selectors) => {
    list.replaceChildren(...items.map((item, index) => drawMember(item, index)));
    for (const selector of selectors) {
      const target = container.querySelector(selector);
      if (target && !target.disabled) { target.focus(); break; }
    }
  };

  const drawMember = (item, index) => {
    const member = memberFor(item, members);
    const memberPath = `${path}${memberSegment(item, index)}`;
    const key = item?._key;
    const name = `${member?.title ?? "Item"} ${index + 1}`;
    const write = (next) => {
      const at = indexOfKey(key);
      if (at < 0) return;
      items[at] = next;
      commit();
    };
    let body;
    if (!member) {
      body = element("pre", { class: "code member-unknown" }, JSON.stringify(item, null, 2));
    } else if (member.kind === "object") {
      const object = item && typeof item === "object" ? item : {};
      const scoped = memberContext(context, memberPath, () => items[indexOfKey(key)], write);
      const shown = context.workspace.fieldsOf(member).filter((child) => context.workspace.showsField(context.documentType, child, object));
      const frames = shown.map((child) => render(child, object[child.name], `${memberPath}.${child.name}`, scoped));
      body = element("div", { class: "object-fields" },
        groupIntoFieldsets(shown, frames, context.workspace.type(member.type)?.fieldsets ?? []));
    } else if (member.kind === "image") {
      body = imageEditor({
        value: item, path: memberPath, context, label: name,
        store: (image) => write({ ...(image ?? { _type: "image" }), _key: key }),
      });
    } else {
      body = referencePicker({
        field: member, value: item, context, label: `${name}: search by name`,
        store: (reference) => {
          const at = indexOfKey(key);
          if (at < 0) return;
          // Clearing a member's reference removes the member: an array holds no empty references.
          if (reference === undefined) { items.splice(at, 1); commit(); draw(".member-add"); return; }
          write({ ...reference, _key: key });
        },
      });
    }
    const button = (label, text, action, disabled, role) => element("button", {
      type: "button", class: `icon member-${role}`, "aria-label": `${label} ${name}`, title: label,
      disabled: context.readOnly || disabled, "data-member-index": index, onclick: action,
    }, text);
    const move = (offset) => () => {
      const at = indexOfKey(key);
      const [moved] = items.splice(at, 1);
      items.splice(at + offset, 0, moved);
      commit();
      const target = `[data-member-index="${at + offset}"]`;
      draw(`${target}.member-${offset < 0 ? "up" : "down"}`, `${target}.member-${offset < 0 ? "down" : "up"}`);
      announce(`${member?.title ?? "Item"} moved to position ${at + offset + 1}`);
    };
    const tools = element("div", { class: "member-tools", role: "group", "aria-label": `${name} actions` },
      button("Move up", "↑", move(-1), index === 0, "up"),
      button("Move down", "↓", move(1), index === items.length - 1, "down"),
      button("Remove", "✕", () => {
        items.splice(indexOfKey(key), 1);
        commit();
        draw(`[data-member-index="${Math.min(index, items.length - 1)}"].member-remove`, ".member-add");
        announce(`${name} removed`);
      }, false, "remove"));
    const frame = fieldFrame({ name: field.name, title: name }, memberPath, element("div", { class: "member-body" }, body), { grouped: true });
    frame.classList.add("member", `member-${member?.kind ?? "unknown"}`);
    if (key) frame.dataset.key = key;
    frame.querySelector(":scope > legend").after(tools);
    return element("li", { class: "member-item" }, frame);
  };

  const add = (member) => {
    const key = newKey();
    const item = member.kind === "reference"
      ? { _type: "reference", _key: key }
      : { _type: member.typeName, _key: key };
    items.push(item);
    if (member.kind !== "reference") commit();
    draw();
    const added = list.lastElementChild;
    added?.scrollIntoView({ block: "center" });
    added?.querySelector("input, textarea, select, [contenteditable=true]")?.focus({ preventScroll: true });
    announce(`${member.title} added`);
  };

  container.append(addControl(members, fieldTitle, context, add));
  draw();
  const frame = fieldFrame(field, path, container, { grouped: true });
  frame.classList.add("member-array-field");
  return frame;
}

function titleOf(member, context) {
  if (member.title) return member.title;
  if (member.type === "reference") return targetTitles(member, context);
  if (member.type === "image") return "Image";
  return context.workspace.type(member.type)?.title ?? humanize(member.name ?? member.type);
}

/** The declaration an item belongs to, as the server's validator decides it. */
function memberFor(item, members) {
  if (!item || typeof item !== "object") return null;
  if (item._type === "reference" || typeof item._ref === "string") return members.find((member) => member.kind === "reference") ?? null;
  return members.find((member) => member.typeName === item._type)
    ?? (item._type === undefined && members.length === 1 ? members[0] : null);
}

/** One "Add …" button, or, for several member types, a menu button offering each. */
function addControl(members, fieldTitle, context, add) {
  if (members.length === 1) {
    return element("button", {
      type: "button", class: "secondary member-add", disabled: context.readOnly, onclick: () => add(members[0]),
    }, `Add ${lowerFirst(members[0].title)}`);
  }
  const menuID = uniqueID("add-menu");
  const trigger = element("button", {
    type: "button", class: "secondary member-add", "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": menuID,
    disabled: context.readOnly,
  }, `Add to ${lowerFirst(fieldTitle)} ▾`);
  const items = members.map((member) => element("button", {
    type: "button", role: "menuitem", class: "menu-item", tabindex: "-1", "data-type": member.typeName,
  }, member.title));
  const menu = element("div", { id: menuID, role: "menu", class: "add-menu", "aria-label": `Add to ${fieldTitle}`, hidden: true }, items);
  const close = (focusTrigger) => {
    menu.hidden = true;
    trigger.setAttribute("aria-expanded", "false");
    if (focusTrigger) trigger.focus();
  };
  const open = (index = 0) => {
    menu.hidden = false;
    trigger.setAttribute("aria-expanded", "true");
    items[(index + items.length) % items.length].focus();
  };
  trigger.addEventListener("click", () => (menu.hidden ? open() : close(false)));
  trigger.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") { event.preventDefault(); open(0); }
    if (event.key === "ArrowUp") { event.preventDefault(); open(-1); }
  });
  items.forEach((item, index) => {
    item.addEventListener("click", () => { close(false); add(members[index]); });
    item.addEventListener("keydown", (event) => {
      const next = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: items.length - 1 }[event.key];
      if (next !== undefined) { event.preventDefault(); items[(next + items.length) % items.length].focus(); }
      if (event.key === "Escape") { event.preventDefault(); close(true); }
      if (event.key === "Tab") close(false);
    });
  });
  return element("div", { class: "add-control" }, trigger, menu);
}

/** "Line item" → "line item", but "LIZA VIP" stays as it is. */
function lowerFirst(text) {
  return /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}
