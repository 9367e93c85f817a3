import FacetStore
import GROQ

/// What a handler asks for: a change inside the document it was given, or a whole mutation.
///
/// Handlers return edits and never write; the runner works out the document they lead to and
/// commits the difference as one patch guarded by the revision the handler saw.
///
/// ```swift
/// [.set(["tier"], "gold-preferred"), .unset(["legacyTier"])]
/// ```
public enum MigrationEdit: Sendable, Equatable {
    /// Puts `value` at the path, creating missing objects on the way.
    case set(MigrationPath, JSONValue)
    /// Puts `value` at the path only when nothing is there.
    case setIfMissing(MigrationPath, JSONValue)
    /// Removes the value at the path; nothing happens when there is none.
    case unset(MigrationPath)
    /// Creates a document unless one with its `_id` exists, so that running again creates nothing.
    case createIfNotExists(JSONObject)
    /// Creates a document or replaces the one with its `_id` (skipped when nothing would change).
    case createOrReplace(JSONObject)
    /// Deletes the document with this id (skipped when there is none).
    case delete(String)

    /// Whether the edit changes the handled document in place (as opposed to a whole mutation).
    var isInPlace: Bool {
        switch self {
        case .set, .setIfMissing, .unset: true
        case .createIfNotExists, .createOrReplace, .delete: false
        }
    }
}

/// Why an edit could not be applied to a document: the handler addressed something that is not there.
struct EditFailure: Error {
    var path: MigrationPath
    var reason: String
}

extension JSONValue {
    /// This value with `edit` (a `set`, `setIfMissing` or `unset`) applied.
    func applying(_ edit: MigrationEdit) throws(EditFailure) -> JSONValue {
        switch edit {
        case .set(let path, let value): return try replacing(path.segments[...], fullPath: path) { _ in .some(value) }
        case .setIfMissing(let path, let value): return try replacing(path.segments[...], fullPath: path) { $0 ?? value }
        case .unset(let path):
            guard !path.isRoot else { throw EditFailure(path: path, reason: "the document itself cannot be unset; return .delete(id)") }
            return try replacing(path.segments[...], fullPath: path, missingIsFine: true) { _ in nil }
        case .createIfNotExists, .createOrReplace, .delete: return self
        }
    }

    /// This value with the value at `segments` replaced by what `change` makes of the current one
    /// (`nil` removes it). Objects missing on the way are created unless `missingIsFine`, when
    /// the edit (an unset) has nothing to do.
    private func replacing(_ segments: ArraySlice<MigrationPath.Segment>, fullPath: MigrationPath, missingIsFine: Bool = false,
                           _ change: (JSONValue?) -> JSONValue?) throws(EditFailure) -> JSONValue
    {
        guard let segment = segments.first else {
            guard let changed = change(self) else { throw EditFailure(path: fullPath, reason: "the document itself cannot be removed") }
            return changed
        }
        let rest = segments.dropFirst()
        switch (segment, self) {
        case (.field(let name), .object(var object)):
            if rest.isEmpty {
                object[name] = change(object[name])
                return .object(object)
            }
            guard let child = object[name] else {
                if missingIsFine { return self }
                object[name] = try JSONValue.object([:]).replacing(rest, fullPath: fullPath, change)
                return .object(object)
            }
            object[name] = try child.replacing(rest, fullPath: fullPath, missingIsFine: missingIsFine, change)
            return .object(object)
        case (.key(let key), .array(var items)):
            guard let position = items.firstIndex(where: { $0["_key"]?.stringValue == key }) else {
                if missingIsFine { return self }
                throw EditFailure(path: fullPath, reason: "no array element has _key \"\(key)\"")
            }
            return try replacingElement(at: position, in: &items, rest: rest, fullPath: fullPath, missingIsFine: missingIsFine, change)
        case (.index(let index), .array(var items)):
            guard items.indices.contains(index) else {
                if missingIsFine { return self }
                throw EditFailure(path: fullPath, reason: "the array has \(items.count) elements, no index \(index)")
            }
            return try replacingElement(at: index, in: &items, rest: rest, fullPath: fullPath, missingIsFine: missingIsFine, change)
        case (.field, _):
            if missingIsFine { return self }
            throw EditFailure(path: fullPath, reason: "a field of \(typeName) is addressed; only objects have fields")
        case (.key, _), (.index, _):
            if missingIsFine { return self }
            throw EditFailure(path: fullPath, reason: "an array element of \(typeName) is addressed; only arrays have elements")
        }
    }

    private func replacingElement(at position: Int, in items: inout [JSONValue], rest: ArraySlice<MigrationPath.Segment>, fullPath: MigrationPath,
                                  missingIsFine: Bool, _ change: (JSONValue?) -> JSONValue?) throws(EditFailure) -> JSONValue
    {
        if rest.isEmpty {
            if let changed = change(items[position]) { items[position] = changed } else { items.remove(at: position) }
        } else {
            items[position] = try items[position].replacing(rest, fullPath: fullPath, missingIsFine: missingIsFine, change)
        }
        return .array(items)
    }
}
