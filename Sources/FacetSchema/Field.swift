import GROQ

/// One field of a document or object type.
///
/// Modifiers return a changed copy, so a field reads as one declaration:
///
/// ```swift
/// Field("email", .email, title: "E-mail").sensitive().personalData().rules(.required())
/// ```
public struct Field: Sendable, Equatable {
    /// The key in the stored document; lowerCamelCase by convention.
    public var name: String
    public var type: FieldType
    public var title: String
    public var description: String?
    /// Not shown in the studio.
    public var hidden = false
    /// Shown but not editable in the studio.
    public var readOnly = false
    /// The value a new document starts with.
    public var initialValue: JSONValue?
    /// The fieldset (declared on the type) the field is shown in.
    public var fieldset: String?
    /// The groups (tabs, declared on the type) the field appears under.
    public var groups: [String] = []
    /// Encrypted at rest and hidden from roles without clearance.
    public var isSensitive = false
    /// Gathered by a GDPR export of the person the document is about.
    public var isPersonalData = false
    /// Queries filter on it often (`segment == "vip"`, `total > 1000`, `customer._ref == $id`):
    /// the store keeps a value index of it from the moment a dataset opens, in every view, so the
    /// first query does not pay for building it and the engine's bound on the indexes it builds
    /// by itself does not apply.
    public var isIndexed = false
    /// Validation rules, checked in order.
    public var rules: [Rule] = []
    /// Whether "Duplicate" copies the field, when the schema says so; `nil` leaves it to
    /// ``keptOnDuplicate``'s defaults.
    public var copiedOnDuplicate: Bool?

    public init(_ name: String, _ type: FieldType, title: String? = nil, description: String? = nil) {
        self.name = name
        self.type = type
        self.title = title ?? Field.title(from: name)
        self.description = description
    }

    /// "lifetimeValue" → "Lifetime Value", as Sanity titles fields without one.
    static func title(from name: String) -> String {
        var words: [String] = []
        var current = ""
        for character in name {
            if character.isUppercase, !current.isEmpty {
                words.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(current) }
        return words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    public func hidden(_ value: Bool = true) -> Field { with { $0.hidden = value } }
    public func readOnly(_ value: Bool = true) -> Field { with { $0.readOnly = value } }
    public func initialValue(_ value: JSONValue) -> Field { with { $0.initialValue = value } }
    public func fieldset(_ name: String) -> Field { with { $0.fieldset = name } }
    public func group(_ names: String...) -> Field { with { $0.groups = names } }
    public func sensitive(_ value: Bool = true) -> Field { with { $0.isSensitive = value } }
    public func personalData(_ value: Bool = true) -> Field { with { $0.isPersonalData = value } }
    /// Kept in a value index (of `_ref` for a reference); see ``isIndexed``.
    public func indexed(_ value: Bool = true) -> Field { with { $0.isIndexed = value } }
    public func rules(_ rules: Rule...) -> Field { with { $0.rules += rules } }
    /// Whether a duplicate of the document keeps this field: `.duplicate(false)` for a figure an
    /// action computes, `.duplicate(true)` to copy a field the defaults would leave out.
    public func duplicate(_ keep: Bool) -> Field { with { $0.copiedOnDuplicate = keep } }

    /// Whether "Duplicate" copies the field. Unless the schema says otherwise, a duplicate leaves
    /// out what belongs to the original alone: personal and sensitive fields (another person's
    /// birthday or email), unique fields (they would clash), read-only fields (computed ones) and
    /// dates and datetimes (of past events: an order's date, a first purchase).
    public var keptOnDuplicate: Bool {
        if let copiedOnDuplicate { return copiedOnDuplicate }
        if isSensitive || isPersonalData || readOnly { return false }
        if rules.contains(where: { $0.check == .unique }) { return false }
        switch type {
        case .date, .datetime: return false
        default: return true
        }
    }

    private func with(_ change: (inout Field) -> Void) -> Field {
        var copy = self
        change(&copy)
        return copy
    }
}

/// Collects fields written one per line.
@resultBuilder
public enum FieldsBuilder {
    public static func buildExpression(_ field: Field) -> [Field] { [field] }
    public static func buildExpression(_ fields: [Field]) -> [Field] { fields }
    public static func buildBlock(_ parts: [Field]...) -> [Field] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Field]?) -> [Field] { part ?? [] }
    public static func buildEither(first part: [Field]) -> [Field] { part }
    public static func buildEither(second part: [Field]) -> [Field] { part }
    public static func buildArray(_ parts: [[Field]]) -> [Field] { parts.flatMap { $0 } }
}
