import FacetStore
import GROQ

/// The mutation events a listener missed after a given event, read back from the dataset's
/// history by the store (``Dataset/listenerEvents(after:query:params:options:limit:)``), so that
/// a client reconnecting with `Last-Event-ID` misses nothing: arranged and numbered per
/// transaction as live events are (``ListenerEventOrder``), the transaction the client was in
/// the middle of cut after the event it names.
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
        switch try dataset.listenerEvents(after: eventID, query: filter, params: params, options: options, limit: limit) {
        case .unavailable(let reason):
            return .unavailable(reason: reason)
        case .resumed(let transactions, let transactionIDs):
            let named = MutationEvent.parse(id: eventID)
            var batches: [[ListenerMutation]] = []
            for events in transactions {
                var arranged = order.arrange(events.map(ListenerMutation.init))
                if let named, events.first?.transactionId == named.transactionID {
                    // The client has this transaction's events up to the one it names.
                    arranged.removeAll { !order.precedes(named.documentID, $0.documentId) }
                }
                if !arranged.isEmpty { batches.append(arranged) }
            }
            return .resumed(batches, transactionIDs: transactionIDs)
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
    var eventId: String { MutationEvent.id(transaction: transactionId, document: documentId) }

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
        a.utf8Precedes(b)
    }
}
