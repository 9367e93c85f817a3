import GROQ

/// Reading an exported schema back: `Schema(json: schema.json) == schema`, so that the JSON the
/// studio receives provably carries the whole schema.
extension Schema {
    public init(json: JSONValue) throws(SchemaError) {
        var reader = SchemaJSONReader()
        let types = (json["types"]?.arrayValue ?? []).map { reader.type($0) }
        if json["types"]?.arrayValue == nil { reader.fail("schema", "expected {\"types\": [...]}") }
        guard reader.problems.isEmpty else { throw SchemaError(problems: reader.problems) }
        try self.init(types)
    }
}

/// Decodes the JSON ``Schema/json`` writes, noting every shape it does not recognise.
private struct SchemaJSONReader {
    var problems: [SchemaError.Problem] = []

    mutating func fail(_ where: String, _ message: String) {
        problems.append(.init(type: `where`, field: nil, message: message))
    }

    mutating func type(_ json: JSONValue) -> SchemaType {
        let name = json["name"]?.stringValue ?? ""
        if name.isEmpty { fail("schema", "a type has no name") }
        let kind = SchemaType.Kind(rawValue: json["type"]?.stringValue ?? "") ?? {
            fail(name, "unknown kind \(json["type"].map { $0.serialized() } ?? "nothing"); expected document or object")
            return .object
        }()
        var type = SchemaType(name, kind: kind, title: json["title"]?.stringValue, description: json["description"]?.stringValue,
                              fields: (json["fields"]?.arrayValue ?? []).map { field($0, in: name) })
        type.fieldsets = (json["fieldsets"]?.arrayValue ?? []).map {
            .init($0["name"]?.stringValue ?? "", title: $0["title"]?.stringValue ?? "", collapsed: $0["collapsed"]?.boolValue ?? false)
        }
        type.groups = (json["groups"]?.arrayValue ?? []).map {
            .init($0["name"]?.stringValue ?? "", title: $0["title"]?.stringValue ?? "", isDefault: $0["default"]?.boolValue ?? false)
        }
        if let preview = json["preview"] {
            var select: [String: String] = [:]
            for (slot, path) in preview["select"]?.objectValue ?? [:] { select[slot] = path.stringValue ?? "" }
            type.preview = .init(select: select, prepare: preview["prepare"]?.stringValue)
        }
        type.orderings = (json["orderings"]?.arrayValue ?? []).map { ordering in
            .init(ordering["name"]?.stringValue ?? "", title: ordering["title"]?.stringValue ?? "",
                  by: (ordering["by"]?.arrayValue ?? []).map { .init($0["field"]?.stringValue ?? "", descending: $0["direction"] == "desc") })
        }
        type.liveEdit = json["liveEdit"]?.boolValue ?? false
        type.declaredSearchFields = json["searchFields"]?.arrayValue?.compactMap(\.stringValue)
        type.distinguishingFields = (json["distinguishingFields"]?.arrayValue ?? []).compactMap(\.stringValue)
        return type
    }

    mutating func field(_ json: JSONValue, in typeName: String) -> Field {
        let name = json["name"]?.stringValue ?? ""
        var field = Field(name, fieldType(json, in: typeName + "." + name), title: json["title"]?.stringValue,
                          description: json["description"]?.stringValue)
        field.hidden = json["hidden"]?.boolValue ?? false
        field.readOnly = json["readOnly"]?.boolValue ?? false
        field.initialValue = json["initialValue"]
        field.fieldset = json["fieldset"]?.stringValue
        field.groups = (json["group"]?.arrayValue ?? []).compactMap(\.stringValue)
        field.isSensitive = json["sensitive"]?.boolValue ?? false
        field.isPersonalData = json["personalData"]?.boolValue ?? false
        field.isIndexed = json["indexed"]?.boolValue ?? false
        field.copiedOnDuplicate = json["duplicate"]?.boolValue
        field.rules = (json["validation"]?.arrayValue ?? []).compactMap { rule($0, at: typeName + "." + name) }
        return field
    }

    mutating func fieldType(_ json: JSONValue, in place: String) -> FieldType {
        let list = (json["options"]?["list"]?.arrayValue ?? []).map { ListOption($0["value"] ?? .null, title: $0["title"]?.stringValue ?? "") }
        let layout = ListLayout(rawValue: json["options"]?["layout"]?.stringValue ?? "") ?? .dropdown
        switch json["type"]?.stringValue ?? "" {
        case "string": return .string(options: list, layout: layout)
        case "number": return .number(options: list, layout: layout)
        case "text": return .text(rows: Int(json["rows"]?.numberValue ?? 4))
        case "boolean": return .boolean
        case "date": return .date
        case "datetime": return .datetime
        case "url": return .url
        case "email": return .email
        case "slug": return .slug(source: json["options"]?["source"]?.stringValue)
        case "image": return .image
        case "file": return .file
        case "geopoint": return .geopoint
        case "block": return .block
        case "reference": return .reference(to: targets(json), weak: json["weak"]?.boolValue ?? false)
        case "object": return .object(fields: (json["fields"]?.arrayValue ?? []).map { field($0, in: place) })
        case "array": return .array(of: (json["of"]?.arrayValue ?? []).map { member($0, in: place) })
        case "": fail(place, "a field has no type"); return .string()
        case let named: return .named(named)
        }
    }

    private func targets(_ json: JSONValue) -> [String] { (json["to"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue } }

    mutating func member(_ json: JSONValue, in place: String) -> ArrayMember {
        switch json["type"]?.stringValue ?? "" {
        case "reference": return .reference(to: targets(json), weak: json["weak"]?.boolValue ?? false)
        case "object": return .inline(name: json["name"]?.stringValue ?? "", fields: (json["fields"]?.arrayValue ?? []).map { field($0, in: place) })
        case "string", "number", "text", "boolean", "date", "datetime", "url", "email", "slug", "image", "file", "geopoint", "block":
            return .primitive(fieldType(json, in: place))
        case let named: return .object(named)
        }
    }

    mutating func rule(_ json: JSONValue, at place: String) -> Rule? {
        let constraint = json["constraint"]
        let number = constraint?.numberValue ?? 0
        let items = json["items"]?.boolValue ?? false
        let check: Rule.Check
        switch json["flag"]?.stringValue ?? "" {
        case "required": check = .required
        case "min": check = items ? .minItems(Int(number)) : .min(number)
        case "max": check = items ? .maxItems(Int(number)) : .max(number)
        case "length": check = .length(Int(number))
        case "integer": check = .integer
        case "positive": check = .positive
        case "negative": check = .negative
        case "precision": check = .precision(Int(number))
        case "greaterThan":
            check = constraint?["valueOfField"]?.stringValue.map(Rule.Check.greaterThanField) ?? .greaterThan(number)
        case "lessThan":
            check = constraint?["valueOfField"]?.stringValue.map(Rule.Check.lessThanField) ?? .lessThan(number)
        case "regex":
            check = .regex(pattern: constraint?["pattern"]?.stringValue ?? "", name: constraint?["name"]?.stringValue,
                           invert: constraint?["invert"]?.boolValue ?? false)
        case "email": check = .email
        case "uri": check = .uri(schemes: (constraint?["schemes"]?.arrayValue ?? []).compactMap(\.stringValue))
        case "unique": check = items ? .uniqueItems : .unique
        case "custom": check = .custom(name: json["name"]?.stringValue ?? "")
        case let other:
            fail(place, "unknown rule \"\(other)\"")
            return nil
        }
        return Rule(check, level: Rule.Level(rawValue: json["level"]?.stringValue ?? "") ?? .error, message: json["message"]?.stringValue)
    }
}
