// What every screen knows: the editor and their permissions, the schema and the desk structure,
// with the questions screens ask of them.

export class Workspace {
  constructor({ me, schema, structure, actions = [] }) {
    this.me = me;
    this.actions = actions;
    this.schema = schema;
    this.structure = structure;
    this.types = new Map(schema.types.map((type) => [type.name, type]));
    this.dataset = "production";
  }

  type(name) {
    return this.types.get(name) ?? null;
  }

  /** The editor's permissions on documents of `type`: operations and sensitive clearance. */
  permissions(type) {
    const types = this.me.permissions?.types ?? {};
    return types[type] ?? types["*"] ?? { operations: [], sensitive: "none" };
  }

  may(operation, type) {
    return this.permissions(type).operations.includes(operation);
  }

  /**
   * Whether the editor sees `field` of a `type` document: sensitive fields are shown only with
   * clearance, or, for a clearance on assigned documents, when the server sent the value.
   */
  showsField(type, field, document) {
    if (field.hidden) return false;
    if (!field.sensitive) return true;
    const clearance = this.permissions(type).sensitive;
    if (clearance === "all") return true;
    if (typeof clearance === "string" && clearance.startsWith("assigned:")) {
      return document !== null && document !== undefined && field.name in document;
    }
    return false;
  }

  /**
   * Projection members for the previews of documents of any of `types`, per each type's
   * `preview.select`: `"title": select(_type == "customer" => name, …), "subtitle": …`.
   */
  previewMembers(types) {
    const members = [];
    for (const slot of ["title", "subtitle", "media"]) {
      const cases = [];
      for (const name of types) {
        const type = this.type(name);
        const path = type?.preview?.select?.[slot] ?? (slot === "title" ? this.firstStringField(type) : null);
        if (path) cases.push(`_type == ${JSON.stringify(name)} => ${this.groqPath(type, path)}`);
      }
      if (cases.length) members.push(`"${slot}": select(${cases.join(", ")})`);
    }
    return members;
  }

  /** A preview slot's value as editors read it: an option's title rather than its stored value. */
  previewText(typeName, slot, value) {
    if (value === null || value === undefined) return "";
    const type = this.type(typeName);
    const path = type?.preview?.select?.[slot];
    const field = path && !path.includes(".") ? type.fields.find((candidate) => candidate.name === path) : null;
    const option = field?.options?.list?.find((candidate) => candidate.value === value);
    return option ? option.title : String(value);
  }

  /** A GROQ path for a schema path, following references with `->`. */
  groqPath(type, path) {
    const parts = path.split(".");
    let fields = type?.fields ?? [];
    let text = "";
    for (const [index, segment] of parts.entries()) {
      // A member may be indexed, as previews often take an array's first image: `images[0]`.
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(\[\d+\])?$/.exec(segment);
      if (!match) return "null";
      const [, part, position = ""] = match;
      const field = fields.find((candidate) => candidate.name === part);
      text += (index === 0 ? part : (text.endsWith("->") ? part : `.${part}`)) + position;
      if (position && field?.type === "array") {
        fields = this.fieldsOf(field.of?.[0] ?? {});
        continue;
      }
      if (!field) { fields = []; continue; }
      if (field.type === "reference" && index < parts.length - 1) {
        text += "->";
        fields = this.type(field.to?.[0]?.type)?.fields ?? [];
      } else {
        fields = this.fieldsOf(field);
      }
    }
    return text;
  }

  /** The fields inside an object field (inline or a named object type). */
  fieldsOf(field) {
    if (field.fields) return field.fields;
    const named = this.type(field.type);
    return named?.fields ?? [];
  }

  firstStringField(type) {
    return type?.fields?.find((field) => field.type === "string" && !field.sensitive)?.name ?? null;
  }

  /** Document types, for lists whose items mix several. */
  documentTypes() {
    return this.schema.types.filter((type) => type.type === "document");
  }
}

/** The published id of a document id (`drafts.x` → `x`). */
export function publishedID(id) {
  return id.startsWith("drafts.") ? id.slice("drafts.".length) : id;
}

export function draftID(id) {
  return `drafts.${publishedID(id)}`;
}
