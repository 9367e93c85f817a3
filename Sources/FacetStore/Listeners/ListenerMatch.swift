import GROQ

/// What one listener makes of committed transactions: its filter, its parameters and what its
/// events carry. The live subscription and the replay of history after a `Last-Event-ID` both
/// decide through it, so an event read live and the same event read back are the same event.
struct ListenerMatch: Sendable {
    let filter: GROQQuery
    let params: [String: JSONValue]
    let options: ListenOptions

    /// Whether the filter matches `document` (a non-empty result matches).
    func matches(_ document: JSONValue?) -> Bool {
        guard let document, let result = try? filter.evaluate(in: InMemoryDataset([document]), params: params) else { return false }
        switch result {
        case .null: return false
        case .array(let items): return !items.isEmpty
        case .bool(let value): return value
        default: return true
        }
    }

    /// The events `transaction` produces for this listener, in the order of its effects and
    /// numbered within it; `previous` gives each document's state before the transaction.
    func events(of transaction: CommittedTransaction, previous: (String) throws(StoreError) -> JSONValue?) throws(StoreError) -> [MutationEvent] {
        var changes: [(CommittedTransaction.Effect, Transition, JSONValue?)] = []
        let visibility = options.visibility
        let mutations = options.includeMutations ? shownMutations(of: transaction) : nil
        for var effect in transaction.effects {
            var before = try previous(effect.documentID)
            if let visibility {
                before = before.flatMap(visibility.present)
                effect.document = effect.document.flatMap(visibility.present)
            }
            let transition: Transition
            switch (matches(before), matches(effect.document)) {
            case (false, true): transition = .appear
            case (true, true): transition = .update
            case (true, false): transition = .disappear
            case (false, false): continue
            }
            changes.append((effect, transition, before))
        }
        return changes.enumerated().map { index, change in
            let (effect, transition, before) = change
            return MutationEvent(
                documentId: effect.documentID,
                eventId: MutationEvent.id(transaction: transaction.id, document: effect.documentID),
                transactionId: transaction.id,
                transition: transition,
                identity: transaction.author,
                previousRev: effect.previousRevision,
                resultRev: effect.document == nil ? nil : effect.resultRevision,
                timestamp: transaction.timestamp,
                result: options.includeResult ? effect.document : nil,
                previous: options.includePreviousRevision ? before : nil,
                mutations: mutations,
                effects: options.includeEffects ? .some(MendozaPatch.effect(from: before, to: effect.document)) : .none,
                transactionCurrentEvent: index + 1,
                transactionTotalEvents: changes.count)
        }
    }
}

extension ListenerMatch {
    /// The transaction's mutations as this listener may see them: all of them, or for a
    /// restricted listener those that write only what it reads, as history shows them
    /// (``DocumentVisibility/present(mutation:documents:)``).
    func shownMutations(of transaction: CommittedTransaction) -> [JSONValue] {
        options.visibility.map { $0.presentMutations(of: transaction) } ?? transaction.mutations
    }
}

/// What a listener reconnecting after an event is sent before the live events.
public enum ListenerResumption: Sendable {
    /// The events after the given one: one array per transaction committed since (the one it
    /// names included, whole), in commit order, and the ids of every transaction read, so that
    /// live events for them are not sent twice.
    case resumed([[MutationEvent]], transactionIDs: Set<String>)
    /// The events cannot be replayed (the id is unknown, or too much happened since): the
    /// client must read the current state again.
    case unavailable(reason: String)
}

extension MutationEvent {
    /// `<transactionId>#<documentId>`: the id of the event `transaction` makes of `document`.
    public static func id(transaction: String, document: String) -> String { "\(transaction)#\(document)" }

    /// The transaction and document an event id names; `nil` when it is not an event id.
    public static func parse(id: String) -> (transactionID: String, documentID: String)? {
        guard let hash = id.firstIndex(of: "#"), hash != id.startIndex, id.index(after: hash) != id.endIndex else { return nil }
        return (String(id[..<hash]), String(id[id.index(after: hash)...]))
    }
}

extension Dataset {
    /// The events a listener on `query` missed after the event `eventID`, read back from
    /// history, decided as its live subscription decides them (see ``listen(_:params:options:)``):
    /// a document's transition compares whether the filter matched it before and after each
    /// transaction, the state before being the one history recorded. At most `limit`
    /// transactions are replayed; a listener further behind must read the current state again,
    /// as a live listener that far behind would be dropped.
    public func listenerEvents(after eventID: String, query: GROQQuery, params: [String: JSONValue] = [:],
                               options: ListenOptions = ListenOptions(), limit: Int = 1_000) throws(StoreError) -> ListenerResumption
    {
        guard let (transactionID, documentID) = MutationEvent.parse(id: eventID) else {
            return .unavailable(reason: "Last-Event-ID \"\(eventID)\" is not a mutation event id (<transactionId>#<documentId>)")
        }
        let history = try transactions(documentIDs: [], filter: HistoryFilter(fromTransaction: transactionID, limit: limit + 2))
        guard let first = history.first, first.id == transactionID, first.effects.contains(where: { $0.documentID == documentID }) else {
            return .unavailable(reason: "Last-Event-ID \"\(eventID)\" names no change in the history of dataset \"\(name)\"")
        }
        guard history.count <= limit + 1 else {
            return .unavailable(reason: "More than \(limit) transactions were committed after \(eventID)")
        }
        let match = ListenerMatch(filter: query, params: params, options: options)
        // The states after the transactions already replayed: history is asked only for the
        // state before the first transaction that touched each document.
        var known: [String: JSONValue?] = [:]
        var batches: [[MutationEvent]] = []
        for transaction in history {
            let events = try match.events(of: transaction) { (id: String) throws(StoreError) -> JSONValue? in
                if let state = known[id] { return state }
                guard let revision = transaction.effects.first(where: { $0.documentID == id })?.previousRevision else { return nil }
                return try? document(id: id, at: .revision(revision))
            }
            for effect in transaction.effects { known[effect.documentID] = .some(effect.document) }
            if !events.isEmpty { batches.append(events) }
        }
        return .resumed(batches, transactionIDs: Set(history.map(\.id)))
    }
}
