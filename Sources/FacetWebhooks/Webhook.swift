import FacetStore
import Foundation
import GROQ

/// A GROQ-filtered webhook: which changes of one dataset are sent where, and how.
///
/// It is written and read as JSON by admins (`/vX/hooks/:dataset`) in the shape of the fields
/// Sanity's webhook form has:
///
/// ```json
/// {"name": "Orders to the shop", "url": "https://shop.example/hooks/facet",
///  "on": ["create", "update"], "filter": "_type == 'order' && delta::changedAny(status)",
///  "projection": "{_id, status, \"total\": total}", "httpMethod": "POST",
///  "headers": {"x-shop": "paris"}, "includeDrafts": false, "apiVersion": "v2021-03-25",
///  "enabled": true, "secret": "…"}
/// ```
///
/// The secret is never read back: the hook says only whether it has one.
public struct Webhook: Sendable, Equatable {
    /// What happened to a document, as the hook's `on` names it.
    public enum Operation: String, Sendable, CaseIterable, Comparable {
        case create, update, delete

        public static func < (a: Operation, b: Operation) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }

        /// What a change from `before` to `after` is; `nil` when neither exists.
        public init?(before: JSONValue?, after: JSONValue?) {
            switch (before, after) {
            case (nil, nil): return nil
            case (nil, _): self = .create
            case (_, nil): self = .delete
            default: self = .update
            }
        }
    }

    public var id: String
    public var dataset: String
    public var name: String
    public var description: String?
    public var url: String
    public var on: [Operation]
    /// A GROQ filter, the inside of `*[…]`, with `before()`, `after()` and `delta::` functions;
    /// every change matches when `nil`.
    public var filter: String?
    /// A GROQ object projection (`{…}`) that makes the body; the document itself when `nil`.
    public var projection: String?
    public var httpMethod: String
    public var headers: [String: String]
    /// Whether changes to drafts (`drafts.…`) and versions (`versions.…`) are sent too.
    public var includeDrafts: Bool
    public var apiVersion: String
    public var enabled: Bool
    public var hasSecret: Bool
    public var createdAt: String
    public var updatedAt: String
    /// Who created it (a user or token's author name).
    public var createdBy: String?

    /// The methods a hook may send with.
    public static let methods = ["POST", "PUT", "PATCH", "DELETE", "GET"]
    /// The fields a hook is written with.
    public static let fields: Set<String> = ["name", "description", "url", "on", "filter", "projection", "httpMethod", "headers",
                                             "includeDrafts", "apiVersion", "enabled", "secret"]
    /// Headers a hook may not set: the ones every delivery sets itself, and those of the
    /// connection.
    static let reservedHeaders: Set<String> = ["content-type", "content-length", "host", "connection", "transfer-encoding",
                                               "idempotency-key", "sanity-webhook-signature", "sanity-transaction-id",
                                               "sanity-transaction-time", "sanity-dataset", "sanity-document-id",
                                               "sanity-operation", "sanity-project-id", "user-agent"]

    /// The hook as admins read it (without its secret).
    public var json: JSONValue {
        var headers = JSONObject()
        for name in self.headers.keys.sorted() { headers[name] = .string(self.headers[name]!) }
        return [
            "id": .string(id), "dataset": .string(dataset), "name": .string(name),
            "description": description.map(JSONValue.string) ?? .null, "url": .string(url),
            "on": .array(on.map { .string($0.rawValue) }), "filter": filter.map(JSONValue.string) ?? .null,
            "projection": projection.map(JSONValue.string) ?? .null, "httpMethod": .string(httpMethod),
            "headers": .object(headers), "includeDrafts": .bool(includeDrafts), "apiVersion": .string(apiVersion),
            "enabled": .bool(enabled), "hasSecret": .bool(hasSecret), "createdAt": .string(createdAt),
            "updatedAt": .string(updatedAt), "createdBy": createdBy.map(JSONValue.string) ?? .null,
        ]
    }
}

/// What an admin sent to create or change a hook, checked field by field; the secret is kept
/// apart, as it is stored sealed.
public struct WebhookChange: Sendable {
    /// The hook the change makes.
    public var hook: Webhook
    /// The new secret: `.some(nil)` removes it, `nil` keeps what the hook had.
    public var secret: String??

    /// Reads `body` over `base` (a new hook's defaults, or the hook being changed): every field
    /// given replaces the hook's, and each is checked, with the field named when it is wrong.
    public init(_ body: JSONValue, over base: Webhook) throws(WebhookError) {
        guard let object = body.objectValue else {
            throw WebhookError(.invalid, "The body must be a JSON object of the hook's fields",
                               advice: "Send {\"name\": …, \"url\": …} with any of: \(Webhook.fields.sorted().joined(separator: ", ")).")
        }
        for key in object.keys where !Webhook.fields.contains(key) {
            throw WebhookError(.invalid, "\"\(key)\" is not a field of a webhook", field: key,
                               advice: "Use only: \(Webhook.fields.sorted().joined(separator: ", ")).")
        }
        var hook = base
        func text(_ key: String, max: Int) throws(WebhookError) -> String?? {
            guard let value = object[key] else { return nil }
            if value.isNull { return .some(nil) }
            guard let string = value.stringValue else { throw WebhookError(.invalid, "\"\(key)\" must be a string", field: key) }
            guard string.utf8.count <= max else {
                throw WebhookError(.invalid, "\"\(key)\" is \(string.utf8.count) bytes long; at most \(max) are allowed", field: key)
            }
            return .some(string)
        }
        func flag(_ key: String) throws(WebhookError) -> Bool? {
            guard let value = object[key] else { return nil }
            guard case .bool(let flag) = value else { throw WebhookError(.invalid, "\"\(key)\" must be true or false", field: key) }
            return flag
        }
        if let name = try text("name", max: 200) {
            guard let name, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw WebhookError(.invalid, "\"name\" must not be empty", field: "name", advice: "Name the hook for the people who read the list.")
            }
            hook.name = name
        }
        if let description = try text("description", max: 1024) { hook.description = description }
        if let url = try text("url", max: 2048) {
            guard let url else { throw WebhookError(.invalid, "\"url\" must not be empty", field: "url") }
            hook.url = try WebhookAddress.checkedURL(url)
        }
        if let on = object["on"] {
            guard let items = on.arrayValue, !items.isEmpty else {
                throw WebhookError(.invalid, "\"on\" must be a non-empty array of create, update and delete", field: "on")
            }
            var operations: [Webhook.Operation] = []
            for item in items {
                guard let name = item.stringValue, let operation = Webhook.Operation(rawValue: name) else {
                    throw WebhookError(.invalid, "\"on\" holds \(item.serialized()), which is not create, update or delete", field: "on")
                }
                if !operations.contains(operation) { operations.append(operation) }
            }
            hook.on = operations.sorted()
        }
        if let filter = try text("filter", max: 16_384) {
            hook.filter = filter.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        }
        if let projection = try text("projection", max: 16_384) {
            hook.projection = projection.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        }
        if let method = try text("httpMethod", max: 10) {
            let method = (method ?? "POST").uppercased()
            guard Webhook.methods.contains(method) else {
                throw WebhookError(.invalid, "\"httpMethod\" \(method) is not one a hook sends with", field: "httpMethod",
                                   advice: "Use one of \(Webhook.methods.joined(separator: ", ")).")
            }
            hook.httpMethod = method
        }
        if let headers = object["headers"] {
            hook.headers = try Self.headers(headers)
        }
        if let drafts = try flag("includeDrafts") { hook.includeDrafts = drafts }
        if let enabled = try flag("enabled") { hook.enabled = enabled }
        if let version = try text("apiVersion", max: 20) {
            let version = version ?? "v2021-03-25"
            guard version == "v1" || version.wholeMatch(of: /v\d{4}-\d{2}-\d{2}/) != nil else {
                throw WebhookError(.invalid, "\"apiVersion\" \(version) is not an API version", field: "apiVersion",
                                   advice: "Write it as v2021-03-25 (delta functions need v2021-03-25 or later).")
            }
            hook.apiVersion = version
        }
        if let secret = try text("secret", max: 1024) {
            if let value = secret, value.isEmpty {
                throw WebhookError(.invalid, "\"secret\" must not be empty", field: "secret", advice: "Send null to remove the secret.")
            }
            self.secret = .some(secret)
            hook.hasSecret = secret != nil
        } else {
            self.secret = nil
        }
        _ = try WebhookMatch(hook: hook)
        self.hook = hook
    }

    /// The `headers` object: string names and values, none of those a delivery sets itself.
    static func headers(_ value: JSONValue) throws(WebhookError) -> [String: String] {
        if value.isNull { return [:] }
        guard let object = value.objectValue else {
            throw WebhookError(.invalid, "\"headers\" must be an object of header names and string values", field: "headers")
        }
        guard object.count <= 50 else { throw WebhookError(.invalid, "\"headers\" has \(object.count) headers; at most 50 are allowed", field: "headers") }
        var headers: [String: String] = [:]
        for (name, value) in object {
            let lower = name.lowercased()
            guard !lower.isEmpty, lower.utf8.count <= 100, lower.utf8.allSatisfy({ Self.tokenBytes.contains($0) }) else {
                throw WebhookError(.invalid, "\"headers\" names \"\(name)\", which is not a header name", field: "headers.\(name)",
                                   advice: "Use letters, digits and -.")
            }
            guard !Webhook.reservedHeaders.contains(lower) else {
                throw WebhookError(.invalid, "\"headers\" sets \(name), which every delivery sets itself", field: "headers.\(name)")
            }
            guard let string = value.stringValue, string.utf8.count <= 4096,
                  string.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) })
            else {
                throw WebhookError(.invalid, "\"headers\".\(name) must be a string of at most 4096 bytes without line breaks", field: "headers.\(name)")
            }
            headers[lower] = string
        }
        return headers
    }

    private static let tokenBytes = Set("abcdefghijklmnopqrstuvwxyz0123456789-_!#$%&'*+.^`|~".utf8)
}

extension Webhook {
    /// A new hook's defaults: sent on every change, with POST, at API version v2021-03-25.
    public static func new(dataset: String, createdBy: String?, at date: Date = Date()) -> Webhook {
        let now = Timestamp.string(date)
        return Webhook(id: "hook-" + DocumentID.generate(), dataset: dataset, name: "", description: nil, url: "",
                       on: Operation.allCases, filter: nil, projection: nil, httpMethod: "POST", headers: [:], includeDrafts: false,
                       apiVersion: "v2021-03-25", enabled: true, hasSecret: false, createdAt: now, updatedAt: now, createdBy: createdBy)
    }

    /// The definition as the records keep it.
    var stored: JSONValue { json }

    /// A hook read back from the records; `nil` when the text is not one Facet wrote.
    init?(stored json: JSONValue, id: String, dataset: String) {
        guard let name = json["name"]?.stringValue, let url = json["url"]?.stringValue,
              let on = json["on"]?.arrayValue?.compactMap({ $0.stringValue.flatMap(Operation.init(rawValue:)) }),
              let method = json["httpMethod"]?.stringValue, let version = json["apiVersion"]?.stringValue,
              let createdAt = json["createdAt"]?.stringValue, let updatedAt = json["updatedAt"]?.stringValue
        else { return nil }
        var headers: [String: String] = [:]
        for (key, value) in json["headers"]?.objectValue ?? [:] { headers[key] = value.stringValue }
        self.init(id: id, dataset: dataset, name: name, description: json["description"]?.stringValue, url: url, on: on,
                  filter: json["filter"]?.stringValue, projection: json["projection"]?.stringValue, httpMethod: method,
                  headers: headers, includeDrafts: json["includeDrafts"]?.boolValue ?? false, apiVersion: version,
                  enabled: json["enabled"]?.boolValue ?? true, hasSecret: json["hasSecret"]?.boolValue ?? false,
                  createdAt: createdAt, updatedAt: updatedAt, createdBy: json["createdBy"]?.stringValue)
    }
}
