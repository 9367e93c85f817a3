import GROQ

/// A way to start a new document with some fields already filled: Sanity's "initial value
/// templates". A template may take parameters (the client an order is for) and may fill fields
/// from what the studio knows when it creates the document (now, the staff member signed in).
///
/// The studio offers a template wherever its parameters can be filled: one without parameters
/// under "New", one taking a reference to a client on that client's page.
///
/// ```swift
/// DocumentTemplate("order-for-client", title: "New order for this client", type: "salesOrder",
///                  parameters: [.init("client", title: "Client", to: ["customer", "lizaCustomer"])],
///                  fill: ["customer": .parameter("client"), "staff": .signedInStaff, "orderDate": .now])
/// ```
public struct DocumentTemplate: Sendable, Equatable {
    /// A value the template needs from where it is used: a reference to a document of `to`.
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var title: String
        /// The document types the parameter refers to.
        public var to: [String]

        public init(_ name: String, title: String, to: [String]) {
            self.name = name
            self.title = title
            self.to = to
        }
    }

    /// What a field of the new document starts with.
    public enum Value: Sendable, Equatable {
        /// A fixed value.
        case constant(JSONValue)
        /// A reference to the document given as the parameter `name`.
        case parameter(String)
        /// A reference to the staff document of the person creating it, when they have one.
        case signedInStaff
        /// The moment of creation, as a datetime (or a date, for a date field).
        case now

        var json: JSONValue {
            switch self {
            case .constant(let value): ["$value": value]
            case .parameter(let name): ["$parameter": .string(name)]
            case .signedInStaff: ["$context": "staff"]
            case .now: ["$context": "now"]
            }
        }
    }

    public var id: String
    public var title: String
    public var type: String
    public var description: String?
    public var parameters: [Parameter]
    /// Field name → value; the schema's initial values fill the rest.
    public var fill: [String: Value]

    public init(_ id: String, title: String, type: String, description: String? = nil, parameters: [Parameter] = [],
                fill: [String: Value] = [:])
    {
        self.id = id
        self.title = title
        self.type = type
        self.description = description
        self.parameters = parameters
        self.fill = fill
    }

    /// The template as the studio reads it in `/v1/structure`.
    public var json: JSONValue {
        var value = JSONObject()
        for (field, filled) in fill.sorted(by: { $0.key < $1.key }) { value[field] = filled.json }
        return [
            "id": .string(id), "title": .string(title), "schemaType": .string(type),
            "description": description.map(JSONValue.string) ?? .null,
            "parameters": .array(parameters.map { ["name": .string($0.name), "title": .string($0.title), "to": .array($0.to.map(JSONValue.string))] }),
            "value": .object(value),
        ]
    }

    /// What is wrong with the template against `schema`, one sentence each.
    func problems(in schema: Schema) -> [String] {
        guard let declared = schema.type(named: type), declared.kind == .document else {
            return ["creates \"\(type)\", which is not a document type of the schema"]
        }
        var problems: [String] = []
        for parameter in parameters {
            for target in parameter.to where schema.type(named: target)?.kind != .document {
                problems.append("its parameter \"\(parameter.name)\" refers to \"\(target)\", which is not a document type")
            }
        }
        for (name, value) in fill.sorted(by: { $0.key < $1.key }) {
            guard let field = declared.field(name) else {
                problems.append("fills \"\(name)\", which is not a field of \(type); fields are \(declared.fields.map(\.name).joined(separator: ", "))")
                continue
            }
            switch value {
            case .parameter(let parameter):
                if !parameters.contains(where: { $0.name == parameter }) {
                    problems.append("fills \"\(name)\" from the parameter \"\(parameter)\", which it does not declare")
                }
                if case .reference = field.type {} else { problems.append("fills \"\(name)\" with a reference, but it is not a reference field") }
            case .signedInStaff:
                if case .reference = field.type {} else { problems.append("fills \"\(name)\" with the signed-in staff member, but it is not a reference field") }
            case .now:
                switch field.type {
                case .date, .datetime: break
                default: problems.append("fills \"\(name)\" with the time of creation, but it is not a date or datetime field")
                }
            case .constant:
                break
            }
        }
        return problems
    }
}
