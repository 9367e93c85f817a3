import GROQ
import OrderedCollections

/// The schema as JSON, for the studio (`/v1/schema`) and `facet schema print`: every type,
/// field, option and rule, with custom rules by name.
extension Schema {
    public var json: JSONValue {
        ["types": .array(types.map(\.json))]
    }
}

extension SchemaType {
    public var json: JSONValue {
        var object: JSONObject = ["name": .string(name), "type": .string(kind.rawValue), "title": .string(title)]
        if let description { object["description"] = .string(description) }
        object["fields"] = .array(fields.map(\.json))
        if !fieldsets.isEmpty {
            object["fieldsets"] = .array(fieldsets.map { ["name": .string($0.name), "title": .string($0.title), "collapsed": .bool($0.collapsed)] })
        }
        if !groups.isEmpty {
            object["groups"] = .array(groups.map { ["name": .string($0.name), "title": .string($0.title), "default": .bool($0.isDefault)] })
        }
        if let preview {
            var select = JSONObject()
            for (slot, path) in preview.select.sorted(by: { $0.key < $1.key }) { select[slot] = .string(path) }
            object["preview"] = ["select": .object(select), "prepare": preview.prepare.map(JSONValue.string) ?? .null]
        }
        if !orderings.isEmpty {
            object["orderings"] = .array(orderings.map { ordering in
                ["name": .string(ordering.name), "title": .string(ordering.title),
                 "by": .array(ordering.by.map { ["field": .string($0.field), "direction": .string($0.descending ? "desc" : "asc")] })]
            })
        }
        if liveEdit { object["liveEdit"] = true }
        if let searchFields = declaredSearchFields { object["searchFields"] = .array(searchFields.map(JSONValue.string)) }
        if !distinguishingFields.isEmpty { object["distinguishingFields"] = .array(distinguishingFields.map(JSONValue.string)) }
        if kind == .document { object["search"] = .array(searchFields.map(JSONValue.string)) }
        return .object(object)
    }
}

extension Field {
    public var json: JSONValue {
        var object: JSONObject = ["name": .string(name), "title": .string(title)]
        if let description { object["description"] = .string(description) }
        for (key, value) in type.jsonMembers { object[key] = value }
        if hidden { object["hidden"] = true }
        if readOnly { object["readOnly"] = true }
        if let initialValue { object["initialValue"] = initialValue }
        if let fieldset { object["fieldset"] = .string(fieldset) }
        if !groups.isEmpty { object["group"] = .array(groups.map(JSONValue.string)) }
        if isSensitive { object["sensitive"] = true }
        if isPersonalData { object["personalData"] = true }
        if isIndexed { object["indexed"] = true }
        if let copiedOnDuplicate { object["duplicate"] = .bool(copiedOnDuplicate) }
        // What the studio's Duplicate obeys, the defaults applied, so that it decides nothing itself.
        if !keptOnDuplicate { object["keptOnDuplicate"] = false }
        if !rules.isEmpty { object["validation"] = .array(rules.map(\.json)) }
        return .object(object)
    }
}

extension FieldType {
    /// The members a field of this type adds to its JSON: `type` and the type's own options.
    var jsonMembers: JSONObject {
        var object: JSONObject = ["type": .string(name)]
        func list(_ options: [ListOption], _ layout: ListLayout) {
            guard !options.isEmpty else { return }
            object["options"] = ["list": .array(options.map { ["value": $0.value, "title": .string($0.title)] }), "layout": .string(layout.rawValue)]
        }
        switch self {
        case .string(let options, let layout), .number(let options, let layout): list(options, layout)
        case .text(let rows): object["rows"] = .number(Double(rows))
        case .slug(let source): if let source { object["options"] = ["source": .string(source)] }
        case .array(let members): object["of"] = .array(members.map(\.json))
        case .object(let fields): object["fields"] = .array(fields.map(\.json))
        case .reference(let targets, let weak):
            object["to"] = .array(targets.map { ["type": .string($0)] })
            if weak { object["weak"] = true }
        case .image: for (key, value) in ImageValue.json { object[key] = value }
        case .file: for (key, value) in FileValue.json { object[key] = value }
        case .block: for (key, value) in PortableText.json { object[key] = value }
        case .boolean, .date, .datetime, .url, .email, .named, .geopoint: break
        }
        return object
    }
}

extension ArrayMember {
    var json: JSONValue {
        switch self {
        case .primitive(let type): .object(type.jsonMembers)
        case .reference(let targets, let weak): .object(FieldType.reference(to: targets, weak: weak).jsonMembers)
        case .object(let name): ["type": .string(name)]
        case .inline(let name, let fields): ["type": "object", "name": .string(name), "fields": .array(fields.map(\.json))]
        }
    }
}

extension Rule {
    public var json: JSONValue {
        var object: JSONObject
        switch check {
        case .required: object = ["flag": "required"]
        case .min(let value): object = ["flag": "min", "constraint": .number(value)]
        case .max(let value): object = ["flag": "max", "constraint": .number(value)]
        case .length(let value): object = ["flag": "length", "constraint": .number(Double(value))]
        case .integer: object = ["flag": "integer"]
        case .positive: object = ["flag": "positive"]
        case .negative: object = ["flag": "negative"]
        case .precision(let digits): object = ["flag": "precision", "constraint": .number(Double(digits))]
        case .greaterThan(let value): object = ["flag": "greaterThan", "constraint": .number(value)]
        case .lessThan(let value): object = ["flag": "lessThan", "constraint": .number(value)]
        case .regex(let pattern, let name, let invert):
            object = ["flag": "regex", "constraint": ["pattern": .string(pattern), "name": name.map(JSONValue.string) ?? .null, "invert": .bool(invert)]]
        case .email: object = ["flag": "email"]
        case .uri(let schemes): object = ["flag": "uri", "constraint": ["schemes": .array(schemes.map(JSONValue.string))]]
        case .unique: object = ["flag": "unique"]
        case .minItems(let count): object = ["flag": "min", "constraint": .number(Double(count)), "items": true]
        case .maxItems(let count): object = ["flag": "max", "constraint": .number(Double(count)), "items": true]
        case .uniqueItems: object = ["flag": "unique", "items": true]
        case .greaterThanField(let field): object = ["flag": "greaterThan", "constraint": ["valueOfField": .string(field)]]
        case .lessThanField(let field): object = ["flag": "lessThan", "constraint": ["valueOfField": .string(field)]]
        case .custom(let name): object = ["flag": "custom", "name": .string(name)]
        }
        object["level"] = .string(level.rawValue)
        if let message { object["message"] = .string(message) }
        return .object(object)
    }
}
