import GROQ

extension DocumentVisibility {
    /// A mutation from history as this reader may see it, or `nil` when it must not be shown:
    /// the same hiding ``present(_:)`` applies to documents, applied to what a mutation writes.
    ///
    /// `documents` are the states the mutation's transaction left (or, for a deletion, the state
    /// before it), by id: a patch or delete names only its target's id, so whether it may be
    /// shown, and which of its fields, is decided on that document. A document body (`create`…)
    /// is presented like a document; a patch keeps only the operations on top-level fields the
    /// reader sees in its target; a patch or delete by query, or one whose target is not among
    /// `documents`, is hidden, since what it touched cannot be told from it.
    public func present(mutation: JSONValue, documents: [String: JSONValue]) -> JSONValue? {
        guard case .object(let object) = mutation, object.count == 1, let (kind, body) = object.elements.first else { return nil }
        switch kind {
        case "create", "createOrReplace", "createIfNotExists":
            return present(body).map { [kind: $0] }
        case "delete":
            guard let id = body["id"]?.stringValue, let target = documents[id], present(target) != nil else { return nil }
            return mutation
        case "patch":
            guard case .object(let patch) = body, let id = patch["id"]?.stringValue, let target = documents[id],
                  present(target) != nil else { return nil }
            return ["patch": .object(presented(patch, on: target))]
        default:
            return nil
        }
    }

    /// The mutations of `transaction` this reader may see, each as ``present(mutation:documents:)``
    /// shows it, decided on the states the transaction left: what history and listeners send.
    public func presentMutations(of transaction: CommittedTransaction) -> [JSONValue] {
        var states: [String: JSONValue] = [:]
        for effect in transaction.effects { if let document = effect.document { states[effect.documentID] = document } }
        return transaction.mutations.compactMap { present(mutation: $0, documents: states) }
    }

    /// The operations of `patch` on fields this reader sees in `target`.
    private func presented(_ patch: JSONObject, on target: JSONValue) -> JSONObject {
        var shown: JSONObject = [:]
        var seen: [String: Bool] = [:]
        func visible(_ path: String) -> Bool {
            guard let field = try? PatchPath(parsing: path).rootAttribute else { return false }
            if let known = seen[field] { return known }
            // Whether the field survives presentation in this document, whatever its value now.
            var probe = target
            if case .object(var object) = probe, object[field] == nil {
                object[field] = true
                probe = .object(object)
            }
            let answer = present(probe)?[field] != nil
            seen[field] = answer
            return answer
        }
        for (operation, value) in patch {
            switch operation {
            case "id", "ifRevisionID":
                shown[operation] = value
            case "set", "setIfMissing", "diffMatchPatch", "inc", "dec":
                guard case .object(let members) = value else { continue }
                let kept = members.filter { visible($0.key) }
                if !kept.isEmpty { shown[operation] = .object(kept) }
            case "unset":
                guard case .array(let paths) = value else { continue }
                let kept = paths.filter { $0.stringValue.map(visible) ?? false }
                if !kept.isEmpty { shown[operation] = .array(kept) }
            case "insert":
                let path = ["before", "after", "replace"].lazy.compactMap { value[$0]?.stringValue }.first
                if let path, visible(path) { shown[operation] = value }
            default:
                // An operation not known here may carry anything: it is not shown.
                continue
            }
        }
        return shown
    }
}
