import GROQ

/// A document type or a named object type.
///
/// ```swift
/// let customer = SchemaType.document("customer", title: "Customer") {
///     Field("name", .string()).rules(.required())
///     Field("email", .email).sensitive().personalData()
/// }
/// .preview(select: ["title": "name", "subtitle": "email"])
/// ```
public struct SchemaType: Sendable, Equatable {
    /// Whether the type is stored as documents or used inside them.
    public enum Kind: String, Sendable, Equatable {
        case document
        case object
    }

    /// A titled box of fields in the editor.
    public struct Fieldset: Sendable, Equatable {
        public var name: String
        public var title: String
        public var collapsed: Bool
        public init(_ name: String, title: String, collapsed: Bool = false) {
            self.name = name
            self.title = title
            self.collapsed = collapsed
        }
    }

    /// A tab of fields in the editor.
    public struct Group: Sendable, Equatable {
        public var name: String
        public var title: String
        public var isDefault: Bool
        public init(_ name: String, title: String, isDefault: Bool = false) {
            self.name = name
            self.title = title
            self.isDefault = isDefault
        }
    }

    /// How a document shows in lists: paths selected into `title`, `subtitle` and `media`, and a
    /// named function that may reshape them.
    public struct Preview: Sendable, Equatable {
        public var select: [String: String]
        public var prepare: String?
        public init(select: [String: String], prepare: String? = nil) {
            self.select = select
            self.prepare = prepare
        }
    }

    /// A sort order offered in document lists.
    public struct Ordering: Sendable, Equatable {
        public var name: String
        public var title: String
        /// Field paths with their direction, e.g. `[("lifetimeValue", .descending)]`.
        public var by: [SortKey]
        public init(_ name: String, title: String, by: [SortKey]) {
            self.name = name
            self.title = title
            self.by = by
        }
    }

    /// One key of an ordering.
    public struct SortKey: Sendable, Equatable {
        public var field: String
        public var descending: Bool
        public init(_ field: String, descending: Bool = false) {
            self.field = field
            self.descending = descending
        }
    }

    public var name: String
    public var kind: Kind
    public var title: String
    public var description: String?
    public var fields: [Field]
    public var fieldsets: [Fieldset] = []
    public var groups: [Group] = []
    public var preview: Preview?
    public var orderings: [Ordering] = []
    /// Edits go straight to the published document, without drafts.
    public var liveEdit = false
    /// The fields a search looks in, as declared; `nil` when the type declares none.
    public var declaredSearchFields: [String]?
    /// Fields that tell apart documents whose titles are the same (two clients named David
    /// Zbinden: their email, their city), shown beside the title where a document is picked.
    public var distinguishingFields: [String] = []

    public init(_ name: String, kind: Kind, title: String? = nil, description: String? = nil, fields: [Field]) {
        self.name = name
        self.kind = kind
        self.title = title ?? Field.title(from: name)
        self.description = description
        self.fields = fields
    }

    /// A document type.
    public static func document(_ name: String, title: String? = nil, description: String? = nil,
                                @FieldsBuilder fields: () -> [Field]) -> SchemaType
    {
        SchemaType(name, kind: .document, title: title, description: description, fields: fields())
    }

    /// A named object type, used by fields as `.named("address")`.
    public static func object(_ name: String, title: String? = nil, description: String? = nil,
                              @FieldsBuilder fields: () -> [Field]) -> SchemaType
    {
        SchemaType(name, kind: .object, title: title, description: description, fields: fields())
    }

    public func fieldsets(_ sets: Fieldset...) -> SchemaType { fieldsets(sets) }
    public func fieldsets(_ sets: [Fieldset]) -> SchemaType { with { $0.fieldsets = sets } }
    public func groups(_ groups: Group...) -> SchemaType { self.groups(groups) }
    public func groups(_ groups: [Group]) -> SchemaType { with { $0.groups = groups } }
    public func preview(select: [String: String], prepare: String? = nil) -> SchemaType {
        preview(Preview(select: select, prepare: prepare))
    }
    public func preview(_ preview: Preview) -> SchemaType { with { $0.preview = preview } }
    public func orderings(_ orderings: Ordering...) -> SchemaType { self.orderings(orderings) }
    public func orderings(_ orderings: [Ordering]) -> SchemaType { with { $0.orderings = orderings } }
    public func liveEdit(_ value: Bool = true) -> SchemaType { with { $0.liveEdit = value } }
    /// The fields a search of the type looks in (paths such as `address.city`), instead of the
    /// preview's title and subtitle.
    public func searchable(_ fields: String...) -> SchemaType { searchable(fields) }
    public func searchable(_ fields: [String]) -> SchemaType { with { $0.declaredSearchFields = fields } }
    /// The fields shown beside the title to tell documents with the same title apart.
    public func distinguishedBy(_ fields: String...) -> SchemaType { distinguishedBy(fields) }
    public func distinguishedBy(_ fields: [String]) -> SchemaType { with { $0.distinguishingFields = fields } }

    /// The fields a search looks in: those declared, else the preview's title and subtitle, else
    /// the first string field.
    public var searchFields: [String] {
        if let declaredSearchFields { return declaredSearchFields }
        let previewed = ["title", "subtitle"].compactMap { preview?.select[$0] }
        if !previewed.isEmpty { return previewed }
        return fields.first(where: { if case .string = $0.type { true } else { false } }).map { [$0.name] } ?? []
    }

    /// The field called `name`, or `nil`.
    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }

    private func with(_ change: (inout SchemaType) -> Void) -> SchemaType {
        var copy = self
        change(&copy)
        return copy
    }
}
