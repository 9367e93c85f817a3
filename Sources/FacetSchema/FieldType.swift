import GROQ

/// What a field holds, as Sanity's schema types name it.
///
/// ```swift
/// Field("tier", .string(options: ["gold", "silver", "bronze"], layout: .radio))
/// Field("customer", .reference(to: "customer"))
/// Field("lines", .array(of: .object("orderLine"), .reference(to: "product")))
/// ```
public indirect enum FieldType: Sendable, Equatable {
    case string(options: [ListOption] = [], layout: ListLayout = .dropdown)
    case text(rows: Int = 4)
    case number(options: [ListOption] = [], layout: ListLayout = .dropdown)
    case boolean
    case date
    case datetime
    case url
    case email
    /// A slug, generated from the `source` field when the editor asks.
    case slug(source: String? = nil)
    /// A list of members, each one of the given kinds.
    case array(of: [ArrayMember])
    /// An anonymous object with its own fields.
    case object(fields: [Field])
    /// An object of a named object type declared in the schema.
    case named(String)
    /// A reference to a document of one of `types`; weak references may dangle.
    case reference(to: [String], weak: Bool = false)
    /// An image: asset reference, alt text and hotspot.
    case image
    /// A file: a reference to an uploaded `sanity.fileAsset` (a PDF, a price list).
    case file
    /// A latitude/longitude point.
    case geopoint
    /// Portable Text: paragraphs with marks (bold, italic) and links.
    case block

    /// `.array(of: .string(), .reference(to: "x"))` reads better than a literal array.
    public static func array(of members: ArrayMember...) -> FieldType { .array(of: members) }

    /// A reference to one type.
    public static func reference(to type: String, weak: Bool = false) -> FieldType { .reference(to: [type], weak: weak) }

    /// An anonymous object.
    public static func object(@FieldsBuilder _ fields: () -> [Field]) -> FieldType { .object(fields: fields()) }

    /// Sanity's name for the type: `string`, `array`, `reference`, …
    public var name: String {
        switch self {
        case .string: "string"
        case .text: "text"
        case .number: "number"
        case .boolean: "boolean"
        case .date: "date"
        case .datetime: "datetime"
        case .url: "url"
        case .email: "email"
        case .slug: "slug"
        case .array: "array"
        case .object: "object"
        case .named(let name): name
        case .reference: "reference"
        case .image: "image"
        case .file: "file"
        case .geopoint: "geopoint"
        case .block: "block"
        }
    }
}

/// One kind of member an array may hold.
public indirect enum ArrayMember: Sendable, Equatable {
    /// Primitive members such as strings or numbers.
    case primitive(FieldType)
    /// References to documents of these types.
    case reference(to: [String], weak: Bool = false)
    /// Members of a named object type.
    case object(String)
    /// Anonymous object members, told apart by `_type` = `name`.
    case inline(name: String, fields: [Field])

    public static let string = ArrayMember.primitive(.string())
    public static let number = ArrayMember.primitive(.number())

    /// References to one type.
    public static func reference(to type: String, weak: Bool = false) -> ArrayMember { .reference(to: [type], weak: weak) }
}

/// A value a list field may take, with the title an editor sees.
public struct ListOption: Sendable, Equatable, ExpressibleByStringLiteral {
    public var value: JSONValue
    public var title: String

    public init(_ value: JSONValue, title: String) {
        self.value = value
        self.title = title
    }

    /// A string option whose title is the value itself.
    public init(stringLiteral value: String) {
        self.init(.string(value), title: value)
    }
}

/// How a list field is shown.
public enum ListLayout: String, Sendable, Equatable {
    case dropdown
    case radio
}
