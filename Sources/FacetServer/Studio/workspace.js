// What every screen knows: the editor and their permissions, the schema and the desk structure,
// with the questions screens ask of them.

export class Workspace {
  constructor({ me, schema, structure, actions = [], reports = [] }) {
    this.me = me;
    this.actions = actions;
    this.reports = reports;
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
        if (!path) continue;
        let expression = this.groqPath(type, path);
        // A title taken from a referenced document (a prediction's client) falls back to the
        // document's own first text when there is no reference (a model's cohort document).
        const fallback = slot === "title" && path.includes(".") ? this.firstStringField(type) : null;
        if (fallback) expression = `coalesce(${expression}, ${this.groqPath(type, fallback)})`;
        cases.push(`_type == ${JSON.stringify(name)} => ${expression}`);
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

  /**
   * Whether the editor may start a new `type` document: the role may create it, and no field
   * the document needs before it can be published is hidden from the role (a draft it could
   * never publish nor see whole would only be left behind).
   */
  mayCreate(typeName) {
    const type = this.type(typeName);
    if (!type || type.type !== "document" || !this.may("create", typeName)) return false;
    const clearance = this.permissions(typeName).sensitive;
    return !type.fields.some((field) => field.sensitive && clearance !== "all"
      && (field.validation ?? []).some((rule) => rule.flag === "required" && rule.level === "error"));
  }

  /** Whether the role may read documents of `type` at all. */
  mayRead(typeName) {
    return this.may("read", typeName);
  }

  /** The templates of the desk structure (`/v1/structure`'s `templates`). */
  templates() {
    return this.structure.templates ?? [];
  }

  /**
   * A GROQ condition true for documents of any of `types` whose search fields (the schema's
   * `search`, else the preview's title) hold every word of `$__search`: `[name, email] match
   * $__search`, per type. Matching folds case and accents.
   */
  searchCondition(types, { throughReferences = true } = {}) {
    const cases = [];
    for (const name of types) {
      const type = this.type(name);
      const paths = (type?.search ?? []).map((path) => this.groqPath(type, path))
        .filter((path) => path !== "null" && (throughReferences || !path.includes("->")));
      if (paths.length === 0) continue;
      cases.push(`(_type == ${JSON.stringify(name)} && [${paths.join(", ")}] match $__search)`);
    }
    return cases.length ? `(${cases.join(" || ")})` : "false";
  }

  /** A relevance score for `searchCondition`: a hit in the title counts three times. */
  searchScore(types, { throughReferences = true } = {}) {
    const titles = new Set();
    for (const name of types) {
      const type = this.type(name);
      const path = type?.preview?.select?.title ?? this.firstStringField(type);
      if (path) titles.add(this.groqPath(type, path));
    }
    return [...[...titles].filter((path) => path !== "null" && (throughReferences || !path.includes("->")))
      .map((path) => `boost(${path} match $__search, 3)`), this.searchCondition(types, { throughReferences })].join(", ");
  }

  /**
   * Projection members telling apart documents with the same title: `"detail": select(_type ==
   * "customer" => [email, address.city], …)` from each type's distinguishing fields.
   */
  detailMember(types) {
    const cases = [];
    for (const name of types) {
      const type = this.type(name);
      const paths = (type?.distinguishingFields ?? []).map((path) => this.groqPath(type, path)).filter((path) => path !== "null");
      if (paths.length) cases.push(`_type == ${JSON.stringify(name)} => [${paths.join(", ")}]`);
    }
    return cases.length ? `"detail": select(${cases.join(", ")})` : null;
  }

  /**
   * The distinguishing values of a found document as one line: "ana@example.com · Geneva";
   * `shown` are texts already on the row, not repeated.
   */
  detailText(typeName, detail, shown = []) {
    if (!Array.isArray(detail)) return "";
    const type = this.type(typeName);
    return detail.map((value, index) => {
      if (value === null || value === undefined || value === "") return null;
      const path = type?.distinguishingFields?.[index];
      const field = path && !path.includes(".") ? type.fields.find((candidate) => candidate.name === path) : null;
      const option = field?.options?.list?.find((candidate) => candidate.value === value);
      if (option) return option.title;
      if (field?.type === "datetime" || field?.type === "date") return String(value).slice(0, 10);
      return typeof value === "object" ? null : String(value);
    }).filter((text) => text && !shown.includes(text)).slice(0, 2).join(" · ");
  }

  /** Where the desk lists `type` documents: the structure path of its type list, if any. */
  deskPathOf(typeName) {
    const walk = (items, path) => {
      for (const item of items ?? []) {
        if (item.kind === "documentTypeList" && item.schemaType === typeName) return [...path, item.id];
        if (item.kind === "list") {
          const found = walk(item.items, [...path, item.id]);
          if (found) return found;
        }
      }
      return null;
    };
    return walk(this.structure.items, []) ?? [];
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

/**
 * A new document id, `customer-1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed`. `crypto.randomUUID` exists
 * only on secure origins, and a studio served over plain HTTP on the network is not one.
 */
export function newID(typeName) {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${typeName}-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
