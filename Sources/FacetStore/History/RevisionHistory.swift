import GROQ
import OrderedCollections

/// Reading the past: a document as of a revision or an instant, the transactions that touched
/// it, and restoring an old state as a new revision (so nothing is ever lost).
///
/// ```swift
/// let old = try dataset.document(id: "c-1", at: .revision("Fq3v…"))
/// let log = try dataset.transactions(documentIDs: ["c-1"], filter: HistoryFilter(reverse: true, limit: 10))
/// try dataset.restore(id: "c-1", to: .time("2026-01-31T09:00:00Z"))
/// ```
extension Dataset {
    /// The document as it was at `point`; `nil` when it did not exist then (or was deleted).
    /// An unknown revision is a `notFound` error; a malformed time an `invalid` one.
    public func document(id: String, at point: RevisionPoint) throws(StoreError) -> JSONValue? {
        try DocumentID.validate(id)
        return try storage.document(id: id, at: normalized(point))
    }

    /// The committed transactions that touched any of `documentIDs` (every transaction when
    /// empty), oldest first unless the filter says `reverse`.
    public func transactions(documentIDs: [String], filter: HistoryFilter = HistoryFilter()) throws(StoreError) -> [CommittedTransaction] {
        for id in documentIDs { try DocumentID.validate(id) }
        var filter = filter
        for (name, bound) in [("fromTime", filter.fromTime), ("toTime", filter.toTime)] {
            guard let bound else { continue }
            guard let normalized = Timestamp.normalized(bound) else {
                throw StoreError.invalid("\(name) \"\(bound)\" is not an ISO 8601 time", advice: "Write it as 2026-01-31T09:30:00Z.")
            }
            if name == "fromTime" { filter.fromTime = normalized } else { filter.toTime = normalized }
        }
        if let limit = filter.limit, limit < 0 {
            throw StoreError.invalid("limit must not be negative, found \(limit)", advice: "Give a positive number of transactions.")
        }
        return try storage.transactions(touching: documentIDs, filter: filter)
    }

    /// The transactions committed after the one numbered `sequence`, oldest first, at most
    /// `limit`: how work that follows the dataset's log (webhooks) reads it in bounded steps.
    /// They are read from storage, so commits of other servers sharing it are among them.
    public func transactions(after sequence: Int64, limit: Int) throws(StoreError) -> [CommittedTransaction] {
        guard limit > 0 else {
            throw StoreError.invalid("limit must be positive, found \(limit)", advice: "Give a positive number of transactions.")
        }
        return try storage.transactions(after: sequence, limit: limit)
    }

    /// The state each effect of `transactions` started from, in the order of their effects
    /// (`nil` where the document did not exist): with the states the effects left, what
    /// Sanity's `effects` (``MendozaPatch/effect(from:to:)``) are made from. A state one of the
    /// transactions left is taken from it rather than read again.
    public func previousStates(of transactions: [CommittedTransaction]) throws(StoreError) -> [[JSONValue?]] {
        var left: [String: JSONValue?] = [:]
        for transaction in transactions {
            for effect in transaction.effects { left[effect.documentID + "\u{0}" + effect.resultRevision] = effect.document }
        }
        var states: [[JSONValue?]] = []
        states.reserveCapacity(transactions.count)
        for transaction in transactions {
            var before: [JSONValue?] = []
            for effect in transaction.effects {
                guard let revision = effect.previousRevision else {
                    before.append(nil)
                    continue
                }
                if let known = left[effect.documentID + "\u{0}" + revision] {
                    before.append(known)
                } else {
                    before.append(try storage.document(id: effect.documentID, at: .revision(revision)))
                }
            }
            states.append(before)
        }
        return states
    }

    /// Makes the state `id` had at `point` its current state again, as a new transaction.
    /// Restoring a deleted document recreates it; restoring to a point where it did not exist is
    /// an error (delete it instead).
    @discardableResult
    public func restore(id: String, to point: RevisionPoint, options: TransactionOptions = TransactionOptions()) throws(StoreError) -> TransactionResult {
        guard case .object(var object)? = try document(id: id, at: point) else {
            throw StoreError(.notFound, type: "revisionNotFoundError", message: "Document \"\(id)\" did not exist at \(point.text)",
                             advice: "Pick a revision from its history where it existed, or delete the document instead.", documentID: id)
        }
        object.removeValue(forKey: "_rev")
        object.removeValue(forKey: "_updatedAt")
        return try mutate([.createOrReplace(object)], options: options)
    }

    private func normalized(_ point: RevisionPoint) throws(StoreError) -> RevisionPoint {
        guard case .time(let text) = point else { return point }
        guard let time = Timestamp.normalized(text) else {
            throw StoreError.invalid("\"\(text)\" is not an ISO 8601 time", advice: "Write it as 2026-01-31T09:30:00Z or 2026-01-31T09:30:00.000+01:00.")
        }
        return .time(time)
    }
}

extension RevisionPoint {
    var text: String {
        switch self {
        case .revision(let rev): "revision \(rev)"
        case .time(let time): time
        case .lastRevision: "its last revision"
        }
    }
}

extension CommittedTransaction {
    /// One line of Sanity's transaction history: `{id, timestamp, author, documentIDs, mutations,
    /// effects}` (`mutations` unless excluded, `effects` when given: each document's
    /// ``MendozaPatch/effect(from:to:)``), plus `revisions`, the revision each document went
    /// from and to.
    public func historyJSON(excludeMutations: Bool = false, effects: JSONObject? = nil) -> JSONValue {
        var object: JSONObject = [
            "id": .string(id),
            "timestamp": .string(timestamp),
            "author": author.map(JSONValue.string) ?? .null,
            "documentIDs": .array(self.effects.map { .string($0.documentID) }),
        ]
        if !excludeMutations { object["mutations"] = .array(mutations) }
        if let effects { object["effects"] = .object(effects) }
        var revisions = JSONObject()
        for effect in self.effects {
            revisions[effect.documentID] = [
                "previousRev": effect.previousRevision.map(JSONValue.string) ?? .null,
                "resultRev": effect.document == nil ? .null : .string(effect.resultRevision),
            ]
        }
        object["revisions"] = .object(revisions)
        return .object(object)
    }
}
