import FacetStore
import GROQ

/// The mutation events a listener missed after a given event, read back from the dataset's
/// history, so that a client reconnecting with `Last-Event-ID` misses nothing.
///
/// The events are worked out as the store's live listener works them out: a document's
/// transition compares whether the filter matched it before and after each transaction, the
/// state before being the one history recorded, and the payload has the same members. Events
/// are grouped by transaction, in commit order, each group in ``ListenerEventOrder``.
struct ListenerReplay: Sendable {
    /// What a reconnecting listener is sent before the live events.
    enum Outcome: Sendable {
        /// The events after the given one, one array per transaction that has any, and the ids
        /// of every transaction read, so that live events for them are not sent twice.
        case resumed([[ListenerMutation]], transactionIDs: Set<String>)
        /// The events cannot be replayed (the id is unknown, or too much happened since): the
        /// client must read the current state again.
        case unavailable(reason: String)
    }

    let dataset: Dataset
    let filter: GROQQuery
    let params: [String: JSONValue]
    let options: ListenOptions
    let order: ListenerEventOrder
    /// The most transactions replayed; a client further behind reads the current state again,
    /// as a live listener that far behind would be dropped.
    let limit: Int

    /// The events after `eventID` (`<transactionId>#<documentId>`, the `id:` of a mutation event).
    func events(after eventID: String) throws(StoreError) -> Outcome {
        guard let hash = eventID.firstIndex(of: "#"), hash != eventID.startIndex, eventID.index(after: hash) != eventID.endIndex else {
            return .unavailable(reason: "Last-Event-ID \"\(eventID)\" is not a mutation event id (<transactionId>#<documentId>)")
        }
        let transactionID = String(eventID[..<hash]), documentID = String(eventID[eventID.index(after: hash)...])
        let history = try dataset.transactions(documentIDs: [], filter: HistoryFilter(fromTransaction: transactionID, limit: limit + 2))
        guard let first = history.first, first.id == transactionID, first.effects.contains(where: { $0.documentID == documentID }) else {
            return .unavailable(reason: "Last-Event-ID \"\(eventID)\" names no change in the history of dataset \"\(dataset.name)\"")
        }
        guard history.count <= limit + 1 else {
            return .unavailable(reason: "More than \(limit) transactions were committed after \(eventID)")
        }
        var known: [String: JSONValue?] = [:]
        var batches: [[ListenerMutation]] = []
        for transaction in history {
            var events = order.arrange(try self.events(of: transaction, known: &known))
            if transaction.id == transactionID {
                // The client has this transaction's events up to the one it names.
                events.removeAll { !order.precedes(documentID, $0.documentId) }
            }
            if !events.isEmpty { batches.append(events) }
        }
        return .resumed(batches, transactionIDs: Set(history.map(\.id)))
    }

    /// The events one transaction produces for this listener, unordered and unnumbered; `known`
    /// holds the documents' states after the transactions already replayed, so that history is
    /// asked only for the state before the first.
    private func events(of transaction: CommittedTransaction, known: inout [String: JSONValue?]) throws(StoreError) -> [ListenerMutation] {
        var events: [ListenerMutation] = []
        let visibility = options.visibility
        for var effect in transaction.effects {
            var previous: JSONValue?
            if let state = known[effect.documentID] {
                previous = state
            } else if let revision = effect.previousRevision {
                previous = try? dataset.document(id: effect.documentID, at: .revision(revision))
                if let visibility { previous = previous.flatMap(visibility.present) }
            } else {
                previous = nil
            }
            if let visibility { effect.document = effect.document.flatMap(visibility.present) }
            known[effect.documentID] = .some(effect.document)
            let transition: Transition
            switch (matches(previous), matches(effect.document)) {
            case (false, true): transition = .appear
            case (true, true): transition = .update
            case (true, false): transition = .disappear
            case (false, false): continue
            }
            // The members of the store's `MutationEvent.json`, in its order.
            var json: JSONObject = [
                "type": "mutation",
                "eventId": .string("\(transaction.id)#\(effect.documentID)"),
                "documentId": .string(effect.documentID),
                "transactionId": .string(transaction.id),
                "transition": .string(transition.rawValue),
                "identity": transaction.author.map(JSONValue.string) ?? .null,
                "previousRev": effect.previousRevision.map(JSONValue.string) ?? .null,
                "resultRev": effect.document == nil ? .null : .string(effect.resultRevision),
                "timestamp": .string(transaction.timestamp),
                "visibility": "transaction",
                "transactionTotalEvents": 0,
                "transactionCurrentEvent": 0,
            ]
            if options.includeResult, let document = effect.document { json["result"] = document }
            if options.includePreviousRevision, let previous { json["previous"] = previous }
            if options.includeMutations, visibility == nil { json["mutations"] = .array(transaction.mutations) }
            if options.includeEffects { json["effects"] = MendozaPatch.effect(from: previous, to: effect.document) }
            events.append(ListenerMutation(documentId: effect.documentID, transactionId: transaction.id, json: json))
        }
        return events
    }

    /// Whether the listener's filter matches `document`, decided as the store's live listener
    /// decides it (a non-empty result matches).
    private func matches(_ document: JSONValue?) -> Bool {
        guard let document, let result = try? filter.evaluate(in: InMemoryDataset([document]), params: params) else { return false }
        switch result {
        case .null: return false
        case .array(let items): return !items.isEmpty
        case .bool(let value): return value
        default: return true
        }
    }
}

/// One mutation event on its way to a client: its payload, and the ids that order it.
struct ListenerMutation: Sendable {
    var documentId: String
    var transactionId: String
    /// The `data` of the event, Sanity's mutation event members.
    var json: JSONObject

    /// `<transactionId>#<documentId>`: the SSE `id:`, which a reconnecting client sends back.
    var eventId: String { "\(transactionId)#\(documentId)" }

    init(documentId: String, transactionId: String, json: JSONObject) {
        self.documentId = documentId
        self.transactionId = transactionId
        self.json = json
    }

    /// A live event from the store.
    init(_ event: MutationEvent) {
        self.init(documentId: event.documentId, transactionId: event.transactionId, json: event.json.objectValue ?? [:])
    }

    var serverSentEvent: ServerSentEvent {
        ServerSentEvent(name: "mutation", id: eventId, data: .object(json))
    }
}

/// The order, and the numbering, of one transaction's events as the listen endpoint sends them:
/// by document id, numbered from 1, without drafts and versions when the listener asked for
/// published documents only, with the visibility the listener asked for.
///
/// Live events and replayed ones must agree on this, or a client resuming in the middle of a
/// transaction would get an event twice or not at all: the id it sends back names the last
/// event it read, and only a fixed order says which ones came before it.
struct ListenerEventOrder: Sendable {
    /// Leave out `drafts.` and `versions.` documents (Sanity's default from v2025-02-19).
    var publishedOnly = false
    /// `transaction` or `query`. Facet tells listeners about a commit once queries see it, so
    /// both are true of every event; the member says what the client asked for.
    var visibility = "transaction"

    func arrange(_ events: [ListenerMutation]) -> [ListenerMutation] {
        var kept = events
        if publishedOnly { kept.removeAll { $0.documentId.hasPrefix("drafts.") || $0.documentId.hasPrefix("versions.") } }
        kept.sort { precedes($0.documentId, $1.documentId) }
        for index in kept.indices {
            kept[index].json["visibility"] = .string(visibility)
            kept[index].json["transactionTotalEvents"] = .number(Double(kept.count))
            kept[index].json["transactionCurrentEvent"] = .number(Double(index + 1))
        }
        return kept
    }

    /// Whether document id `a` comes before `b`: byte order, the same on every platform.
    func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
