import GROQ
import OrderedCollections

/// One change in a transaction, as Sanity's mutation API spells it.
///
/// ```swift
/// let mutations = try Mutation.list(parsing: #"{"mutations": [{"create": {"_type": "customer", "name": "Ada"}}]}"#)
/// try dataset.mutate(mutations)
/// ```
public enum Mutation: Sendable, Equatable {
    /// Creates a document; fails when its `_id` exists.
    case create(JSONObject)
    /// Creates the document or replaces the one with its `_id`.
    case createOrReplace(JSONObject)
    /// Creates the document unless one with its `_id` exists (then does nothing).
    case createIfNotExists(JSONObject)
    /// Deletes the selected documents; absent ones are not an error.
    case delete(DocumentSelection)
    /// Patches the selected documents; a selected id that does not exist is an error.
    case patch(PatchMutation)

    /// The mutation kinds, in the order the documentation lists them.
    public static let kinds = ["create", "createOrReplace", "createIfNotExists", "delete", "patch"]

    /// Parses one mutation object such as `{"patch": {"id": "x", "set": {...}}}`.
    public init(json: JSONValue) throws(StoreError) {
        guard case .object(let object) = json, object.count == 1, let (kind, body) = object.elements.first else {
            throw StoreError.invalid(
                "A mutation must be an object with exactly one key, found \(json.typeName == "object" ? "\(json.objectValue?.count ?? 0) keys" : json.typeName)",
                advice: "Write each mutation as {\"create\": {...}}, {\"patch\": {...}} and so on; valid kinds: \(Self.kinds.joined(separator: ", ")).")
        }
        switch kind {
        case "create", "createOrReplace", "createIfNotExists":
            guard case .object(let document) = body else {
                throw StoreError.invalid("\(kind) needs a document object, found \(body.typeName)",
                                         advice: "Give the document itself: {\"\(kind)\": {\"_type\": \"…\", …}}.")
            }
            if kind != "create", document["_id"]?.stringValue == nil {
                throw StoreError.invalid("\(kind) needs an _id", advice: "Give the document's _id; only create may generate one.")
            }
            self = kind == "create" ? .create(document) : kind == "createOrReplace" ? .createOrReplace(document) : .createIfNotExists(document)
        case "delete":
            self = .delete(try DocumentSelection(json: body, mutation: "delete"))
        case "patch":
            guard case .object(let patchBody) = body else {
                throw StoreError.invalid("patch needs an object, found \(body.typeName)",
                                         advice: "Write {\"patch\": {\"id\": \"…\", \"set\": {…}}}.")
            }
            self = .patch(try PatchMutation(json: patchBody))
        default:
            throw StoreError.invalid("Unknown mutation kind \"\(kind)\"",
                                     advice: "Use one of \(Self.kinds.joined(separator: ", ")).")
        }
    }

    /// Parses a Sanity mutation request body: `{"mutations": [...]}`, a bare array of mutations, or one mutation.
    public static func list(parsing json: JSONValue) throws(StoreError) -> [Mutation] {
        let items: [JSONValue]
        switch json {
        case .array(let array): items = array
        case .object(let object) where object["mutations"] != nil:
            guard case .array(let array)? = object["mutations"] else {
                throw StoreError.invalid("\"mutations\" must be an array", advice: "Write {\"mutations\": [{…}, {…}]}.")
            }
            items = array
        case .object: items = [json]
        default:
            throw StoreError.invalid("A mutation request must be an object, found \(json.typeName)",
                                     advice: "Write {\"mutations\": [{…}, {…}]}.")
        }
        var mutations: [Mutation] = []
        mutations.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do { mutations.append(try Mutation(json: item)) } catch { throw error.at(mutation: index) }
        }
        return mutations
    }

    /// Parses the text of a mutation request body.
    public static func list(parsing text: String) throws(StoreError) -> [Mutation] {
        let json: JSONValue
        do { json = try JSONValue(parsing: text, maxDepth: 64 + 8) } catch {
            throw StoreError.invalid("The request is not valid JSON: \(error)", advice: "Fix the JSON at the position shown.")
        }
        return try list(parsing: json)
    }

    /// The mutation in Sanity's JSON form, as history keeps it.
    public var json: JSONValue {
        switch self {
        case .create(let document): ["create": .object(document)]
        case .createOrReplace(let document): ["createOrReplace": .object(document)]
        case .createIfNotExists(let document): ["createIfNotExists": .object(document)]
        case .delete(let selection): ["delete": selection.json]
        case .patch(let patch): ["patch": .object(patch.body)]
        }
    }
}

/// Which documents a `delete` or `patch` applies to: ids, or the result of a GROQ query.
public enum DocumentSelection: Sendable, Equatable {
    case ids([String])
    case query(String, params: [String: JSONValue])

    init(json: JSONValue, mutation: String) throws(StoreError) {
        guard case .object(let object) = json else {
            throw StoreError.invalid("\(mutation) needs an object with \"id\" or \"query\", found \(json.typeName)",
                                     advice: "Write {\"\(mutation)\": {\"id\": \"…\"}} or {\"\(mutation)\": {\"query\": \"*[…]\"}}.")
        }
        switch (object["id"], object["query"]) {
        case (.string(let id)?, nil):
            self = .ids([id])
        case (.array(let items)?, nil):
            var ids: [String] = []
            for item in items {
                guard case .string(let id) = item else {
                    throw StoreError.invalid("\(mutation) ids must be strings, found \(item.typeName)", advice: "Give \"id\" as a string or an array of strings.")
                }
                ids.append(id)
            }
            self = .ids(ids)
        case (nil, .string(let query)?):
            var params: [String: JSONValue] = [:]
            if let given = object["params"] {
                guard case .object(let values) = given else {
                    throw StoreError.invalid("\(mutation) params must be an object, found \(given.typeName)", advice: "Write \"params\": {\"name\": value}.")
                }
                for (key, value) in values { params[key] = value }
            }
            self = .query(query, params: params)
        case (nil, nil):
            throw StoreError.invalid("\(mutation) needs \"id\" or \"query\"", advice: "Say which documents: {\"id\": \"…\"} or {\"query\": \"*[…]\"}.")
        case (_?, _?):
            throw StoreError.invalid("\(mutation) has both \"id\" and \"query\"", advice: "Give one of them.")
        default:
            throw StoreError.invalid("\(mutation) \"id\" must be a string or an array of strings and \"query\" a string",
                                     advice: "Write {\"id\": \"…\"} or {\"query\": \"*[…]\"}.")
        }
    }

    var json: JSONValue {
        switch self {
        case .ids(let ids): ids.count == 1 ? ["id": .string(ids[0])] : ["id": .array(ids.map(JSONValue.string))]
        case .query(let query, let params):
            params.isEmpty ? ["query": .string(query)]
                : ["query": .string(query), "params": .object(JSONObject(uniqueKeysWithValues: params.sorted { $0.key < $1.key }))]
        }
    }
}

/// A `patch` mutation: which documents, the operations, and the revision they must be at.
public struct PatchMutation: Sendable, Equatable {
    /// The documents to patch.
    public var selection: DocumentSelection
    /// The operations, applied in Sanity's order.
    public var operations: Patch
    /// Optimistic locking: the patch applies only to a document at this `_rev`.
    public var ifRevisionID: String?
    /// The patch as it was written, for history.
    public var body: JSONObject

    /// Parses the body of `{"patch": {...}}`.
    public init(json body: JSONObject) throws(StoreError) {
        self.selection = try DocumentSelection(json: .object(body), mutation: "patch")
        if let revision = body["ifRevisionID"] {
            guard case .string(let rev) = revision else {
                throw StoreError.invalid("ifRevisionID must be a string, found \(revision.typeName)", advice: "Give the _rev you read.")
            }
            self.ifRevisionID = rev
        }
        do { self.operations = try Patch(json: body) } catch {
            throw StoreError(.invalid, type: "validationError", message: error.description, advice: error.advice)
        }
        self.body = body
    }
}
