// Editing inside an array member. The document editor records edits by dotted paths of object
// fields (`address.city`); a member of an array has no such path, so the fields inside a member
// report their edits here, the member is updated, and the whole array is recorded as one edit.
// Field frames still carry the member's marker path (`lineItems[_key=="a1"].quantity`), so the
// server's markers land on the member's own fields.

/**
 * A field context for the fields inside the member at `memberPath`. `read()` gives the member's
 * current value; `write(value)` stores a changed member (and records the array).
 */
export function memberContext(context, memberPath, read, write) {
  const prefix = `${memberPath}.`;
  return {
    ...context,
    change(path, value) {
      if (!path.startsWith(prefix)) {
        context.change(path, value);
        return;
      }
      const member = structuredClone(read() ?? {});
      const parts = path.slice(prefix.length).split(".");
      let target = member;
      for (const part of parts.slice(0, -1)) {
        if (!target[part] || typeof target[part] !== "object") target[part] = {};
        target = target[part];
      }
      const last = parts.at(-1);
      if (value === undefined) delete target[last]; else target[last] = value;
      write(member);
    },
  };
}
