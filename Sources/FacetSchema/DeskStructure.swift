import GROQ
import OrderedCollections

/// One pane item of the studio's desk: a list that opens further panes, a list of one type's
/// documents, a list of documents a GROQ filter selects, or a divider.
public indirect enum StructureNode: Sendable, Equatable {
    case list(id: String, title: String, items: [StructureNode])
    case documentTypeList(type: String, title: String)
    case documentList(id: String, title: String, type: String?, filter: String, params: [String: JSONValue])
    case divider

    /// A list that opens a pane of `items`.
    public static func list(_ id: String, title: String, @StructureBuilder items: () -> [StructureNode]) -> StructureNode {
        .list(id: id, title: title, items: items())
    }

    /// All documents of a type.
    public static func documents(ofType type: String, title: String) -> StructureNode {
        .documentTypeList(type: type, title: title)
    }

    /// The documents `*[filter]` selects, created as `type` when the editor adds one.
    public static func documents(_ id: String, title: String, type: String? = nil, filter: String,
                                 params: [String: JSONValue] = [:]) -> StructureNode
    {
        .documentList(id: id, title: title, type: type, filter: filter, params: params)
    }

    public var json: JSONValue {
        switch self {
        case .list(let id, let title, let items):
            return ["kind": "list", "id": .string(id), "title": .string(title), "items": .array(items.map(\.json))]
        case .documentTypeList(let type, let title):
            return ["kind": "documentTypeList", "id": .string(type), "title": .string(title), "schemaType": .string(type)]
        case .documentList(let id, let title, let type, let filter, let params):
            var sortedParams = JSONObject()
            for key in params.keys.sorted() { sortedParams[key] = params[key] }
            return ["kind": "documentList", "id": .string(id), "title": .string(title), "schemaType": type.map(JSONValue.string) ?? .null,
                    "filter": .string(filter), "params": .object(sortedParams)]
        case .divider:
            return ["kind": "divider"]
        }
    }
}

/// Collects structure items written one per line.
@resultBuilder
public enum StructureBuilder {
    public static func buildExpression(_ node: StructureNode) -> [StructureNode] { [node] }
    public static func buildExpression(_ nodes: [StructureNode]) -> [StructureNode] { nodes }
    public static func buildBlock(_ parts: [StructureNode]...) -> [StructureNode] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [StructureNode]?) -> [StructureNode] { part ?? [] }
    public static func buildEither(first part: [StructureNode]) -> [StructureNode] { part }
    public static func buildEither(second part: [StructureNode]) -> [StructureNode] { part }
    public static func buildArray(_ parts: [[StructureNode]]) -> [StructureNode] { parts.flatMap { $0 } }
}

/// The desk structure, checked against a schema: every type it names is a declared document
/// type, every filter is valid GROQ, and sibling items have distinct ids.
///
/// ```swift
/// let desk = try DeskStructure(schema: schema) {
///     StructureNode.list("customers", title: "Customers") {
///         StructureNode.documents(ofType: "customer", title: "All customers")
///         StructureNode.documents("gold", title: "Gold", type: "customer", filter: "_type == 'customer' && tier == $tier", params: ["tier": "gold"])
///     }
/// }
/// ```
public struct DeskStructure: Sendable, Equatable {
    public let items: [StructureNode]
    /// The ways to start a new document beyond a type's initial values.
    public let templates: [DocumentTemplate]

    public init(schema: Schema, templates: [DocumentTemplate] = [], @StructureBuilder items: () -> [StructureNode]) throws(SchemaError) {
        let items = items()
        var problems: [SchemaError.Problem] = []
        Self.check(items, path: "desk", schema: schema, into: &problems)
        var ids = Set<String>()
        for template in templates {
            if !ids.insert(template.id).inserted {
                problems.append(.init(type: "templates", field: template.id, message: "two templates have the id \"\(template.id)\""))
            }
            for message in template.problems(in: schema) {
                problems.append(.init(type: "templates", field: template.id, message: message))
            }
        }
        guard problems.isEmpty else { throw SchemaError(problems: problems) }
        self.items = items
        self.templates = templates
    }

    /// Every document type the structure lists, in order of appearance.
    public var typeNames: [String] {
        var names: [String] = []
        func walk(_ nodes: [StructureNode]) {
            for node in nodes {
                switch node {
                case .list(_, _, let items): walk(items)
                case .documentTypeList(let type, _): if !names.contains(type) { names.append(type) }
                case .documentList(_, _, let type?, _, _): if !names.contains(type) { names.append(type) }
                case .documentList, .divider: break
                }
            }
        }
        walk(items)
        return names
    }

    public var json: JSONValue { ["items": .array(items.map(\.json)), "templates": .array(templates.map(\.json))] }

    private static func check(_ nodes: [StructureNode], path: String, schema: Schema, into problems: inout [SchemaError.Problem]) {
        var ids = Set<String>()
        func problem(_ id: String, _ message: String) { problems.append(.init(type: path, field: id, message: message)) }
        func checkType(_ id: String, _ type: String) {
            guard let declared = schema.type(named: type) else {
                return problem(id, "lists the type \"\(type)\", which the schema does not declare")
            }
            if declared.kind != .document { problem(id, "lists \"\(type)\", an object type; only document types have documents") }
        }
        for node in nodes {
            switch node {
            case .divider:
                continue
            case .list(let id, _, let items):
                if !ids.insert(id).inserted { problem(id, "two items here have the id \"\(id)\"") }
                check(items, path: path + "." + id, schema: schema, into: &problems)
            case .documentTypeList(let type, _):
                if !ids.insert(type).inserted { problem(type, "two items here have the id \"\(type)\"") }
                checkType(type, type)
            case .documentList(let id, _, let type, let filter, let params):
                if !ids.insert(id).inserted { problem(id, "two items here have the id \"\(id)\"") }
                if let type { checkType(id, type) }
                do { _ = try GROQQuery("*[\(filter)]", params: params) } catch {
                    problem(id, "the filter is not valid GROQ: \(error.formatted)")
                }
            }
        }
    }
}
