import FacetStore
import GROQ

/// One value that changes: where, what it was, what it becomes (`nil`: absent).
public struct FieldChange: Sendable, Equatable {
    public var path: MigrationPath
    public var before: JSONValue?
    public var after: JSONValue?

    public init(path: MigrationPath, before: JSONValue?, after: JSONValue?) {
        self.path = path
        self.before = before
        self.after = after
    }

    /// `phone: "+44 20 7946 0958" → "+442079460958"`.
    public var line: String {
        "\(path): \(Self.shown(before)) → \(Self.shown(after))"
    }

    static func shown(_ value: JSONValue?) -> String {
        guard let value else { return "(absent)" }
        let text = value.serialized()
        return text.count > 120 ? String(text.prefix(117)) + "…" : text
    }
}

/// What a migration does to one document: the changes inside it, the mutations that commit
/// them (guarded by the revision the handlers saw), and any whole mutations the handlers asked for.
public struct DocumentOutcome: Sendable {
    /// The document handled.
    public var id: String
    public var type: String
    /// Its `_rev` when the handlers saw it.
    public var revision: String?
    /// The changes inside the document, in document order; empty when it stays as it is.
    public var changes: [FieldChange]
    /// The document after the changes (what validation will see); `nil` when it is deleted.
    public var after: JSONValue?
    /// Whole mutations beside the in-place changes (creating, replacing or deleting documents).
    public var otherMutations: [Mutation]
    /// Everything to commit for this document, in order.
    public var mutations: [Mutation]

    /// Whether anything would be written.
    public var changesSomething: Bool { !mutations.isEmpty }

    /// The readable diff of the dry run: the id, then one line per change.
    public var diff: String {
        var lines = ["~ \(id) (\(type))"]
        lines += changes.map { "    " + $0.line }
        if after == nil { lines.append("    - delete \(id)") }
        for mutation in otherMutations {
            switch mutation {
            case .create(let body), .createIfNotExists(let body):
                lines.append("    + create \(body["_id"]?.stringValue ?? "?") (\(body["_type"]?.stringValue ?? "?"))")
            case .createOrReplace(let body):
                lines.append("    ± replace \(body["_id"]?.stringValue ?? "?") (\(body["_type"]?.stringValue ?? "?"))")
            case .delete(let selection):
                if case .ids(let ids) = selection { lines.append("    - delete \(ids.joined(separator: ", "))") }
            case .patch: break
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Runs a migration's handlers over one document and works out the mutations.
struct DocumentMigrator: Sendable {
    let migration: Migration
    let context: MigrationContext

    /// Fields the store maintains: handlers never change them, and the diff ignores them.
    static let systemFields: Set<String> = ["_id", "_rev", "_createdAt", "_updatedAt"]

    func outcome(for document: JSONValue, current: (String) -> JSONValue?) throws(MigrationError) -> DocumentOutcome {
        guard case .object(let object) = document, let id = object["_id"]?.stringValue else {
            throw MigrationError(.handler, message: "A stored document has no _id", advice: "Check the dataset with `facet schema check`.")
        }
        let type = object["_type"]?.stringValue ?? ""
        let revision = object["_rev"]?.stringValue
        var working = document
        var whole: [MigrationEdit] = []

        func apply(_ edits: [MigrationEdit], from handler: String) throws(MigrationError) {
            for edit in edits {
                guard edit.isInPlace else { whole.append(edit); continue }
                if case .set(let path, _) = edit, case .field(let name)? = path.segments.first, Self.systemFields.contains(name) {
                    throw MigrationError(.handler, message: "The \(handler) handler of \(migration.id) sets \(path) of \"\(id)\", which the store maintains",
                                         advice: "Leave _id, _rev, _createdAt and _updatedAt alone; to change an id, create a new document and delete the old one.",
                                         documentID: id)
                }
                do { working = try working.applying(edit) } catch {
                    throw MigrationError(.handler, message: "The \(handler) handler of \(migration.id) addressed \(error.path) in \"\(id)\": \(error.reason)",
                                         advice: "Return edits for paths that exist in the document (node.path is always one).", documentID: id)
                }
            }
        }

        if let handler = migration.document, case .object(let current) = working {
            do { try apply(try handler(current, context), from: "document") } catch let error as MigrationError { throw error } catch {
                throw MigrationError(.handler, message: "The document handler of \(migration.id) failed on \"\(id)\": \(error)",
                                     advice: "Fix the handler, or the document, and run the migration again.", documentID: id)
            }
        }
        if !migration.nodes.isEmpty {
            var edits: [MigrationEdit] = []
            var path = MigrationPath.root
            do { try visit(working, path: &path, in: working, id: id, type: type, into: &edits) } catch let error as MigrationError { throw error } catch {
                throw MigrationError(.handler, message: "A node handler of \(migration.id) failed on \"\(id)\": \(error)",
                                     advice: "Fix the handler, or the document, and run the migration again.", documentID: id)
            }
            try apply(edits, from: "node")
        }

        var mutations: [Mutation] = []
        var others: [Mutation] = []
        var deletesSelf = false
        var after: JSONValue? = working
        for edit in whole {
            switch edit {
            case .createIfNotExists(let body):
                guard let target = body["_id"]?.stringValue else {
                    throw MigrationError(.handler, message: "\(migration.id) creates a document without an _id while handling \"\(id)\"",
                                         advice: "Give created documents an _id derived from the source (so that a second run finds them).", documentID: id)
                }
                if current(target) == nil { others.append(.createIfNotExists(body)) }
            case .createOrReplace(let body):
                guard let target = body["_id"]?.stringValue else {
                    throw MigrationError(.handler, message: "\(migration.id) replaces a document without an _id while handling \"\(id)\"",
                                         advice: "Give the document's _id.", documentID: id)
                }
                if target == id {
                    working = .object(body)
                    after = working
                } else if Self.content(current(target)) != Self.content(.object(body)) {
                    others.append(.createOrReplace(body))
                }
            case .delete(let target):
                if target == id { deletesSelf = true; after = nil } else if current(target) != nil { others.append(.delete(.ids([target]))) }
            case .set, .setIfMissing, .unset: break
            }
        }

        let changes = deletesSelf ? [] : Self.diff(before: document, after: working, path: .root)
        if deletesSelf {
            mutations.append(try guardPatch(id: id, revision: revision, set: [:], unset: []))
            mutations.append(.delete(.ids([id])))
        } else if !changes.isEmpty {
            var set = JSONObject(), unset: [JSONValue] = []
            for change in changes {
                if let value = change.after { set[change.path.description] = value } else { unset.append(.string(change.path.description)) }
            }
            mutations.append(try guardPatch(id: id, revision: revision, set: set, unset: unset))
        }
        mutations += others
        return DocumentOutcome(id: id, type: type, revision: revision, changes: changes, after: after, otherMutations: others, mutations: mutations)
    }

    /// A patch of `id` that applies only while it is still at `revision`.
    private func guardPatch(id: String, revision: String?, set: JSONObject, unset: [JSONValue]) throws(MigrationError) -> Mutation {
        var body: JSONObject = ["id": .string(id)]
        if let revision { body["ifRevisionID"] = .string(revision) }
        if !set.isEmpty { body["set"] = .object(set) }
        if !unset.isEmpty { body["unset"] = .array(unset) }
        do { return .patch(try PatchMutation(json: body)) } catch {
            throw MigrationError(.handler, message: "\(migration.id) produced a change of \"\(id)\" that is not a valid patch: \(error.message)",
                                 advice: error.advice, documentID: id)
        }
    }

    /// `path` is one stack for the whole walk (pushed and popped around each member), so that
    /// visiting a node costs no allocation unless a handler keeps its path.
    private func visit(_ value: JSONValue, path: inout MigrationPath, in document: JSONValue, id: String, type: String,
                       into edits: inout [MigrationEdit]) throws
    {
        let handlers = migration.nodes
        // Made only for the kinds that have a handler: most nodes of most migrations have none.
        func node() -> MigrationNode { MigrationNode(value: value, path: path, documentID: id, documentType: type, document: document) }
        switch value {
        case .object(let object):
            if let handler = handlers.object { edits += try handler(node(), context) }
            for (name, member) in object where !name.hasPrefix("_") {
                path.segments.append(.field(name))
                defer { path.segments.removeLast() }
                try visit(member, path: &path, in: document, id: id, type: type, into: &edits)
            }
        case .array(let items):
            if let handler = handlers.array { edits += try handler(node(), context) }
            for (position, item) in items.enumerated() {
                path.segments.append(item["_key"]?.stringValue.map(MigrationPath.Segment.key) ?? .index(position))
                defer { path.segments.removeLast() }
                try visit(item, path: &path, in: document, id: id, type: type, into: &edits)
            }
        case .string: if let handler = handlers.string { edits += try handler(node(), context) }
        case .number: if let handler = handlers.number { edits += try handler(node(), context) }
        case .bool: if let handler = handlers.boolean { edits += try handler(node(), context) }
        case .null: if let handler = handlers.null { edits += try handler(node(), context) }
        }
    }

    /// The document without the fields the store maintains, to compare content.
    static func content(_ document: JSONValue?) -> JSONValue? {
        guard case .object(var object)? = document else { return document }
        for field in systemFields { object[field] = nil }
        return .object(object)
    }

    /// The smallest set of places where `before` and `after` differ: objects are compared member
    /// by member, arrays element by element when their elements line up (same `_key`s, or same
    /// length without keys); anything else changes as a whole.
    static func diff(before: JSONValue?, after: JSONValue?, path: MigrationPath) -> [FieldChange] {
        if before == after { return [] }
        switch (before, after) {
        case (.object(let old)?, .object(let new)?):
            var changes: [FieldChange] = []
            for (name, value) in old where !(path.isRoot && systemFields.contains(name)) {
                changes += diff(before: value, after: new[name], path: path.field(name))
            }
            for (name, value) in new where old[name] == nil && !(path.isRoot && systemFields.contains(name)) {
                changes.append(FieldChange(path: path.field(name), before: nil, after: value))
            }
            return changes
        case (.array(let old)?, .array(let new)?) where old.count == new.count:
            let oldKeys = old.map { $0["_key"]?.stringValue }, newKeys = new.map { $0["_key"]?.stringValue }
            let keyed = oldKeys.allSatisfy { $0 != nil } && Set(oldKeys.compactMap { $0 }).count == oldKeys.count
            if oldKeys == newKeys, keyed || oldKeys.allSatisfy({ $0 == nil }) {
                var changes: [FieldChange] = []
                for (position, (oldItem, newItem)) in zip(old, new).enumerated() {
                    let step = oldKeys[position].map(path.key) ?? path.index(position)
                    changes += diff(before: oldItem, after: newItem, path: step)
                }
                return changes
            }
            return [FieldChange(path: path, before: before, after: after)]
        default:
            return [FieldChange(path: path, before: before, after: after)]
        }
    }
}
