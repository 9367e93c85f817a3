import GROQ

/// What is wrong with a schema: the type and field concerned, and what to do.
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Every problem found, so that one start-up reports them all.
    public var problems: [Problem]

    /// One problem in one place.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var type: String
        public var field: String?
        public var message: String
        public var description: String {
            "\(type)" + (field.map { ".\($0)" } ?? "") + ": " + message
        }
    }

    public var description: String {
        "The schema has \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// A compiled schema: every type, checked for consistency when it is made.
///
/// ```swift
/// let schema = try Schema([customer, address, salesOrder])
/// schema.type(named: "customer")?.field("email")?.isSensitive   // true
/// print(schema.json.serialized(pretty: true))                   // for the studio
/// ```
///
/// The checks catch what would otherwise surface as a confusing editor or a failed write: two
/// types or fields with one name, a reference or named object to a type that does not exist, a
/// list option of the wrong type, a fieldset, group or preview naming something missing.
public struct Schema: Sendable, Equatable {
    public let types: [SchemaType]
    private let byName: [String: Int]

    public init(_ types: [SchemaType]) throws(SchemaError) {
        var problems: [SchemaError.Problem] = []
        var byName: [String: Int] = [:]
        for (index, type) in types.enumerated() {
            if byName[type.name] != nil {
                problems.append(.init(type: type.name, field: nil, message: "the type is declared twice; give each type its own name"))
            }
            byName[type.name] = index
        }
        for type in types {
            Self.check(type, names: byName, types: types, into: &problems)
        }
        guard problems.isEmpty else { throw SchemaError(problems: problems) }
        self.types = types
        self.byName = byName
    }

    /// The type called `name` (declared, or built in as the asset types are), or `nil`.
    public func type(named name: String) -> SchemaType? {
        byName[name].map { types[$0] } ?? SchemaType.builtIn.first { $0.name == name }
    }

    /// The document types' names, in declaration order.
    public var documentTypeNames: [String] { types.filter { $0.kind == .document }.map(\.name) }

    private static func check(_ type: SchemaType, names: [String: Int], types: [SchemaType], into problems: inout [SchemaError.Problem]) {
        func problem(_ field: String?, _ message: String) {
            problems.append(.init(type: type.name, field: field, message: message))
        }
        let fieldsets = Set(type.fieldsets.map(\.name)), groups = Set(type.groups.map(\.name))
        checkFields(type.fields, path: "", typeName: type.name, names: names, types: types, fieldsets: fieldsets, groups: groups, into: &problems)
        if let preview = type.preview {
            for (slot, path) in preview.select.sorted(by: { $0.key < $1.key }) {
                let root = String(path.prefix { $0 != "." && $0 != "[" && $0 != "-" })
                if !root.hasPrefix("_"), type.field(root) == nil {
                    problem(nil, "the preview selects \(slot): \"\(path)\", but the type has no field \"\(root)\"; fields are \(type.fields.map(\.name).joined(separator: ", "))")
                }
            }
        }
        for (kind, paths) in [("searches", type.declaredSearchFields ?? []), ("is told apart by", type.distinguishingFields)] {
            for path in paths {
                let root = String(path.prefix { $0 != "." && $0 != "[" })
                if !root.hasPrefix("_"), type.field(root) == nil {
                    problem(nil, "the type \(kind) \"\(path)\", but it has no field \"\(root)\"")
                }
            }
        }
        for ordering in type.orderings {
            for key in ordering.by {
                let root = String(key.field.prefix { $0 != "." })
                if !root.hasPrefix("_"), type.field(root) == nil {
                    problem(nil, "the ordering \"\(ordering.name)\" sorts by \"\(key.field)\", which is not a field of the type")
                }
            }
        }
    }

    private static func checkFields(_ fields: [Field], path: String, typeName: String, names: [String: Int], types: [SchemaType],
                                    fieldsets: Set<String>, groups: Set<String>, into problems: inout [SchemaError.Problem])
    {
        var seen = Set<String>()
        for field in fields {
            let fieldPath = path + field.name
            func problem(_ message: String) { problems.append(.init(type: typeName, field: fieldPath, message: message)) }
            if !seen.insert(field.name).inserted { problem("the field is declared twice in the same object") }
            if field.name.isEmpty || field.name.hasPrefix("_") || !field.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                problem("\"\(field.name)\" is not a field name: use letters, digits and _, not starting with _")
            }
            if let set = field.fieldset, path.isEmpty, !fieldsets.contains(set) {
                problem("the fieldset \"\(set)\" is not declared on the type")
            }
            for group in field.groups where path.isEmpty && !groups.contains(group) {
                problem("the group \"\(group)\" is not declared on the type")
            }
            for rule in field.rules {
                if case .regex(let pattern, _, _) = rule.check, CompiledPatterns.expression(pattern) == nil {
                    problem("the regex rule's pattern \"\(pattern)\" is not a valid regular expression")
                }
            }
            if case .slug(let source?) = field.type, !fields.contains(where: { $0.name == source }) {
                problem("the slug's source \"\(source)\" is not a field beside it")
            }
            checkType(field.type, fieldPath: fieldPath, typeName: typeName, names: names, types: types, into: &problems)
        }
    }

    private static func checkType(_ fieldType: FieldType, fieldPath: String, typeName: String, names: [String: Int], types: [SchemaType],
                                  into problems: inout [SchemaError.Problem])
    {
        func problem(_ message: String) { problems.append(.init(type: typeName, field: fieldPath, message: message)) }
        func checkDocumentTypes(_ targets: [String]) {
            if targets.isEmpty { problem("the reference names no type it may point to") }
            for target in targets {
                guard let index = names[target] else {
                    problem("it references the type \"\(target)\", which the schema does not declare"); continue
                }
                if types[index].kind != .document { problem("it references \"\(target)\", an object type; references point to document types") }
            }
        }
        switch fieldType {
        case .string(let options, _):
            for option in options where option.value.stringValue == nil {
                problem("the list option \"\(option.title)\" has a \(option.value.typeName) value; a string field's options must be strings")
            }
        case .number(let options, _):
            for option in options where option.value.numberValue == nil {
                problem("the list option \"\(option.title)\" has a \(option.value.typeName) value; a number field's options must be numbers")
            }
        case .named(let name):
            guard let index = names[name] else { problem("the type \"\(name)\" is not declared in the schema"); return }
            if types[index].kind != .object { problem("\"\(name)\" is a document type; embed object types, reference document types") }
        case .reference(let targets, _):
            checkDocumentTypes(targets)
        case .object(let fields):
            checkFields(fields, path: fieldPath + ".", typeName: typeName, names: names, types: types, fieldsets: [], groups: [], into: &problems)
        case .array(let members):
            if members.isEmpty { problem("the array declares no member types") }
            for member in members {
                switch member {
                case .primitive(let type): checkType(type, fieldPath: fieldPath + "[]", typeName: typeName, names: names, types: types, into: &problems)
                case .reference(let targets, _): checkDocumentTypes(targets)
                case .object(let name): checkType(.named(name), fieldPath: fieldPath + "[]", typeName: typeName, names: names, types: types, into: &problems)
                case .inline(_, let fields):
                    checkFields(fields, path: fieldPath + "[].", typeName: typeName, names: names, types: types, fieldsets: [], groups: [], into: &problems)
                }
            }
        case .slug, .text, .boolean, .date, .datetime, .url, .email, .image, .file, .geopoint, .block:
            break
        }
    }
}

extension Schema {
    /// The top-level fields declared `sensitive`, by document type: what field encryption seals
    /// and what roles without clearance never see.
    public var sensitiveFields: [String: [String]] {
        var result: [String: [String]] = [:]
        for type in types where type.kind == .document {
            let names = type.fields.filter(\.isSensitive).map(\.name)
            if !names.isEmpty { result[type.name] = names }
        }
        return result
    }

    /// The top-level fields declared `personalData`, by document type (sensitive ones included):
    /// what a GDPR export decrypts and lists.
    /// The attribute paths of every document type's indexed fields (``Field/isIndexed``), each
    /// once: `["segment"]`, `["customer", "_ref"]` for a reference, `["address", "city"]` for a
    /// field of an object.
    public var indexedPaths: [[String]] {
        var paths: [[String]] = []
        func collect(_ fields: [Field], under prefix: [String]) {
            for field in fields {
                let path = prefix + [field.name]
                if field.isIndexed {
                    if case .reference = field.type { paths.append(path + ["_ref"]) } else { paths.append(path) }
                }
                if case .object(let inner) = field.type { collect(inner, under: path) }
            }
        }
        for type in types where type.kind == .document { collect(type.fields, under: []) }
        var seen = Set<[String]>()
        return paths.filter { seen.insert($0).inserted }
    }

    /// The attribute paths of each document type's fields with a `unique` rule, reached through
    /// objects (`["email"]`, `["address", "code"]`); a field inside an array is not listed.
    public var uniquePaths: [String: [[String]]] {
        var result: [String: [[String]]] = [:]
        func collect(_ fields: [Field], under prefix: [String], into paths: inout [[String]]) {
            for field in fields {
                let path = prefix + [field.name]
                if field.rules.contains(where: { $0.check == .unique }) { paths.append(path) }
                if case .object(let inner) = field.type { collect(inner, under: path, into: &paths) }
            }
        }
        for type in types where type.kind == .document {
            var paths: [[String]] = []
            collect(type.fields, under: [], into: &paths)
            if !paths.isEmpty { result[type.name] = paths }
        }
        return result
    }

    public var personalDataFields: [String: [String]] {
        var result: [String: [String]] = [:]
        for type in types where type.kind == .document {
            let names = type.fields.filter { $0.isPersonalData || $0.isSensitive }.map(\.name)
            if !names.isEmpty { result[type.name] = names }
        }
        return result
    }
}
