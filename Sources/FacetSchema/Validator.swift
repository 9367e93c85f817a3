import Foundation
import GROQ

/// A validation finding: where (a JSON path), how serious, and what is wrong.
public struct ValidationMarker: Sendable, Equatable, CustomStringConvertible {
    /// The path of the value, e.g. `email` or `lines[_key=="l1"].quantity`.
    public var path: String
    public var level: Rule.Level
    public var message: String

    public init(path: String, level: Rule.Level, message: String) {
        self.path = path
        self.level = level
        self.message = message
    }

    public var description: String { "\(level.rawValue) at \(path.isEmpty ? "(document)" : path): \(message)" }
}

/// Checks documents against a ``Schema``: value types, then every rule, returning every marker.
///
/// ```swift
/// let validator = Validator(schema: schema)
/// let markers = validator.validate(["_id": "c-1", "_type": "customer", "email": "not-an-email"])
/// // [error at name: Required, error at email: Must be a valid email address]
/// ```
///
/// Custom rules are registered by name, so the schema stays plain data; `unique` asks the caller,
/// who can see the other documents.
public struct Validator: Sendable {
    /// A custom check: the value (nil when absent) and the whole document; a message when it fails.
    public typealias CustomCheck = @Sendable (_ value: JSONValue?, _ document: JSONValue) -> String?
    /// Whether `value` at `path` is unique among the documents of `type` other than `documentID`.
    public typealias UniquenessCheck = @Sendable (_ type: String, _ path: String, _ value: JSONValue, _ documentID: String?) -> Bool
    /// The type of the document with an id, if there is one.
    public typealias DocumentTypeLookup = @Sendable (_ id: String) -> String?

    public let schema: Schema
    public var customChecks: [String: CustomCheck]
    public var isUnique: UniquenessCheck?
    /// The `_type` of the document with this `_id`, or `nil` when unknown; given, references are
    /// checked to point at a type the field allows.
    public var typeOfDocument: DocumentTypeLookup?

    public init(schema: Schema, customChecks: [String: CustomCheck] = [:], isUnique: UniquenessCheck? = nil) {
        self.schema = schema
        self.customChecks = customChecks
        self.isUnique = isUnique
    }

    /// Every marker for `document`, in field order.
    public func validate(_ document: JSONValue) -> [ValidationMarker] {
        var markers: [ValidationMarker] = []
        guard case .object(let object) = document else {
            return [ValidationMarker(path: "", level: .error, message: "A document must be an object, found \(document.typeName)")]
        }
        guard case .string(let typeName)? = object["_type"], let type = schema.type(named: typeName), type.kind == .document else {
            let declared = schema.documentTypeNames.joined(separator: ", ")
            let found = object["_type"].map { $0.stringValue.map { "\"\($0)\"" } ?? "a \($0.typeName)" } ?? "nothing"
            return [ValidationMarker(path: "_type", level: .error, message: "Unknown document type \(found); the schema declares \(declared)")]
        }
        var context = Context(validator: self, document: document, typeName: typeName, markers: [])
        context.check(fields: type.fields, in: object, path: "")
        markers = context.markers
        return markers
    }

    private struct Context {
        let validator: Validator
        let document: JSONValue
        let typeName: String
        var markers: [ValidationMarker]

        mutating func mark(_ path: String, _ message: String, _ level: Rule.Level = .error) {
            markers.append(ValidationMarker(path: path, level: level, message: message))
        }

        mutating func check(fields: [Field], in object: JSONObject, path: String) {
            // Fields the object holds whose names do not start with "_": when they are all of
            // its keys but the system ones, none is undeclared, and no set of names is built.
            var declaredHeld = 0
            // Fields are read where they are, not copied out one by one (a field holds a dozen
            // references, each retained and released by a copy, for every document written).
            for index in fields.indices {
                let name = fields[index].name
                let stored = object[name]
                if stored != nil, !name.hasPrefix("_") { declaredHeld += 1 }
                let value = stored.flatMap { $0.isNull ? nil : $0 }
                // An absent field without rules has nothing to say, and needs no path.
                guard value != nil || !fields[index].rules.isEmpty else { continue }
                let fieldPath = path + name
                if let value { check(value, as: fields[index].type, path: fieldPath) }
                for rule in fields[index].rules.indices { apply(fields[index].rules[rule], to: value, path: fieldPath, siblings: object) }
            }
            let ownKeys = object.keys.reduce(0) { $0 + ($1.hasPrefix("_") ? 0 : 1) }
            guard ownKeys > declaredHeld else { return }
            let declared = Set(fields.map(\.name))
            for key in object.keys where !key.hasPrefix("_") && !declared.contains(key) {
                mark(path + key, "Not declared in the schema of \(typeName)", .warning)
            }
        }

        mutating func check(_ value: JSONValue, as type: FieldType, path: String) {
            func expect(_ ok: Bool, _ what: String) {
                if !ok { mark(path, "Must be \(what), found \(value.typeName)") }
            }
            switch type {
            case .string(let options, _):
                expect(value.stringValue != nil, "a string")
                if value.stringValue != nil, !options.isEmpty, !options.contains(where: { $0.value == value }) {
                    mark(path, "Must be one of \(options.map { $0.value.serialized() }.joined(separator: ", "))")
                }
            case .number(let options, _):
                expect(value.numberValue != nil, "a number")
                if value.numberValue != nil, !options.isEmpty, !options.contains(where: { $0.value == value }) {
                    mark(path, "Must be one of \(options.map { $0.value.serialized() }.joined(separator: ", "))")
                }
            case .text, .url, .email: expect(value.stringValue != nil, "a string")
            case .boolean: expect(value.boolValue != nil, "true or false")
            case .date:
                if let text = value.stringValue {
                    if !Self.isDate(text) { mark(path, "Must be a date as YYYY-MM-DD, found \"\(text)\"") }
                } else { expect(false, "a date string") }
            case .datetime:
                if let text = value.stringValue {
                    if GROQDateTime(rfc3339: text) == nil { mark(path, "Must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z, found \"\(text)\"") }
                } else { expect(false, "a date-time string") }
            case .slug:
                expect(value["current"]?.stringValue != nil, "a slug object with a \"current\" string")
            case .geopoint:
                guard let lat = value["lat"]?.numberValue, let lng = value["lng"]?.numberValue else {
                    return expect(false, "a geopoint with numeric lat and lng")
                }
                if !(-90...90).contains(lat) { mark(path + ".lat", "Must be a latitude from -90 to 90, found \(Self.text(lat))") }
                if !(-180...180).contains(lng) { mark(path + ".lng", "Must be a longitude from -180 to 180, found \(Self.text(lng))") }
            case .image:
                for problem in ImageValue.problems(in: value, path: path) { mark(problem.path, problem.message) }
            case .file:
                for problem in FileValue.problems(in: value, path: path) { mark(problem.path, problem.message) }
            case .block:
                for problem in PortableText.problems(in: value, path: path) { mark(problem.path, problem.message) }
            case .reference(let targets, let weak):
                guard let ref = value["_ref"]?.stringValue else { return expect(false, "a reference ({\"_ref\": \"<id>\"}) to \(targets.joined(separator: " or "))") }
                if !weak, value["_weak"] == true {
                    mark(path + "._weak", "Must be a strong reference: the schema does not allow weak references here; remove _weak")
                }
                if let found = validator.typeOfDocument?(ref), !targets.contains(found) {
                    mark(path, "Must reference a \(targets.joined(separator: " or ")); \"\(ref)\" is a \(found)")
                }
            case .object(let fields):
                guard case .object(let object) = value else { return expect(false, "an object") }
                check(fields: fields, in: object, path: path + ".")
            case .named(let name):
                guard case .object(let object) = value else { return expect(false, "an object") }
                if let type = validator.schema.type(named: name) { check(fields: type.fields, in: object, path: path + ".") }
            case .array(let members):
                guard case .array(let items) = value else { return expect(false, "an array") }
                for (index, item) in items.enumerated() {
                    let itemPath = path + PortableText.itemPath(item, index)
                    check(item, in: members, path: itemPath)
                }
            }
        }

        mutating func check(_ item: JSONValue, in members: [ArrayMember], path: String) {
            let itemType = item["_type"]?.stringValue
            for member in members {
                switch member {
                case .primitive(let type):
                    if Self.matches(item, type, alone: members.count == 1) { return check(item, as: type, path: path) }
                case .reference(let targets, let weak):
                    if item["_ref"] != nil { return check(item, as: .reference(to: targets, weak: weak), path: path) }
                case .object(let name):
                    if itemType == name || (itemType == nil && members.count == 1) { return check(item, as: .named(name), path: path) }
                case .inline(let name, let fields):
                    if itemType == name || (itemType == nil && members.count == 1) { return check(item, as: .object(fields: fields), path: path) }
                }
            }
            mark(path, "Must be one of the array's member types (\(members.map(\.typeName).joined(separator: ", "))), found \(itemType.map { "_type \"\($0)\"" } ?? item.typeName)")
        }

        /// Whether an array item is a member of the primitive `type`. Values held as objects
        /// (images, geopoints, slugs) carry their type in `_type`, which may be left out when the
        /// array has no other member type.
        static func matches(_ value: JSONValue, _ type: FieldType, alone: Bool) -> Bool {
            switch (value, type) {
            case (.string, .string), (.string, .text), (.string, .url), (.string, .email), (.string, .date), (.string, .datetime): true
            case (.number, .number), (.bool, .boolean): true
            case (.object(let object), .image), (.object(let object), .file), (.object(let object), .geopoint), (.object(let object), .slug):
                object["_type"]?.stringValue == type.name || (object["_type"] == nil && alone)
            default: false
            }
        }

        static func isDate(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return false }
            return GROQDateTime(rfc3339: text + "T00:00:00Z") != nil
        }

        mutating func apply(_ rule: Rule, to value: JSONValue?, path: String, siblings: JSONObject) {
            func fail(_ message: String) { mark(path, rule.message ?? message, rule.level) }
            let number = value?.numberValue
            // A string's length in characters is counted only by the rules that need it.
            var size: Double? {
                value?.stringValue.map { Double($0.count) } ?? number
            }
            switch rule.check {
            case .required:
                let empty = value == nil || value?.stringValue?.isEmpty == true || value?.arrayValue?.isEmpty == true
                if empty { fail("Required") }
            case .min(let bound): if let size, size < bound { fail(value?.stringValue != nil ? "Must be at least \(Self.text(bound)) characters long" : "Must be greater than or equal to \(Self.text(bound))") }
            case .max(let bound): if let size, size > bound { fail(value?.stringValue != nil ? "Must be at most \(Self.text(bound)) characters long" : "Must be less than or equal to \(Self.text(bound))") }
            case .length(let count): if let text = value?.stringValue, text.count != count { fail("Must be exactly \(count) characters long") }
            case .integer: if let number, number.rounded() != number { fail("Must be an integer") }
            case .positive: if let number, number < 0 { fail("Must be positive") }
            case .negative: if let number, number >= 0 { fail("Must be negative") }
            case .precision(let digits):
                if let number {
                    // 1.15 × 100 is 114.99999999999999 in binary floating point: allow for the
                    // representation error, not for a real further digit.
                    let scaled = number * pow(10.0, Double(digits))
                    if abs(scaled - scaled.rounded()) > 1e-9 * max(1, abs(scaled)) { fail("Max precision is \(digits)") }
                }
            case .greaterThan(let bound): if let number, !(number > bound) { fail("Must be greater than \(Self.text(bound))") }
            case .lessThan(let bound): if let number, !(number < bound) { fail("Must be less than \(Self.text(bound))") }
            case .regex(let pattern, let name, let invert):
                guard let text = value?.stringValue else { return }
                guard let found = CompiledPatterns.matches(pattern, text) else {
                    return mark(path, "The rule's pattern \"\(pattern)\" is not a valid regular expression", .error)
                }
                if found == invert {
                    let label = name ?? "pattern"
                    fail(invert ? "Must not match the \(label)" : "Does not match the \(label)")
                }
            case .email:
                if let text = value?.stringValue, CompiledPatterns.matches(#"^[^\s@]+@[^\s@]+\.[^\s@]+$"#, text) != true {
                    fail("Must be a valid email address")
                }
            case .uri(let schemes):
                guard let text = value?.stringValue else { return }
                guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), url.host != nil || scheme == "mailto" else {
                    return fail("Must be a valid URL")
                }
                if !schemes.isEmpty, !schemes.contains(scheme) { fail("Does not match the allowed protocols/schemes: \(schemes.joined(separator: ", "))") }
            case .unique:
                guard let value, let isUnique = validator.isUnique else { return }
                if !isUnique(typeName, path, value, document["_id"]?.stringValue) { fail("Must be unique: another \(typeName) has this value") }
            case .minItems(let count): if let items = value?.arrayValue, items.count < count { fail("Must have at least \(count) items") }
            case .maxItems(let count): if let items = value?.arrayValue, items.count > count { fail("Must have at most \(count) items") }
            case .uniqueItems:
                guard let items = value?.arrayValue else { return }
                let stripped = items.map { item -> JSONValue in
                    guard case .object(var object) = item else { return item }
                    object.removeValue(forKey: "_key")
                    return .object(object)
                }
                if Set(stripped).count != stripped.count { fail("Can't be a duplicate") }
            case .greaterThanField(let other):
                if let number, let bound = siblings[other]?.numberValue, !(number > bound) { fail("Must be greater than \(other) (\(Self.text(bound)))") }
            case .lessThanField(let other):
                if let number, let bound = siblings[other]?.numberValue, !(number < bound) { fail("Must be less than \(other) (\(Self.text(bound)))") }
            case .custom(let name):
                guard let check = validator.customChecks[name] else {
                    return mark(path, "The custom rule \"\(name)\" is not registered with the validator", .error)
                }
                if let message = check(value, document) { fail(message) }
            }
        }

        static func text(_ number: Double) -> String {
            number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        }
    }
}

extension ArrayMember {
    /// The member's type name, as markers and the studio show it.
    var typeName: String {
        switch self {
        case .primitive(let type): type.name
        case .reference: "reference"
        case .object(let name): name
        case .inline(let name, _): name
        }
    }
}
