import GROQ
import OrderedCollections

/// What a listener receives, as Sanity's listen API sends it.
public enum ListenerEvent: Sendable, Equatable {
    /// The subscription is open; events for every later commit follow.
    case welcome(listenerName: String)
    /// One document changed in a way the filter cares about.
    case mutation(MutationEvent)
    /// The listener fell too far behind (its buffer overflowed) and was dropped: read the
    /// current state again and subscribe anew.
    case reconnect(reason: String)

    /// The SSE event name: `welcome`, `mutation` or `reconnect`.
    public var name: String {
        switch self {
        case .welcome: "welcome"
        case .mutation: "mutation"
        case .reconnect: "reconnect"
        }
    }

    /// The event's `data` payload.
    public var json: JSONValue {
        switch self {
        case .welcome(let name): ["listenerName": .string(name)]
        case .mutation(let event): event.json
        case .reconnect(let reason): ["reason": .string(reason)]
        }
    }
}

/// How a document changed relative to a listener's filter.
public enum Transition: String, Sendable {
    /// It matches now and did not before (created, or changed into the filter).
    case appear
    /// It matched before and still does.
    case update
    /// It matched before and does not now (deleted, or changed out of the filter).
    case disappear
}

/// One document change in one committed transaction.
public struct MutationEvent: Sendable, Equatable {
    public var documentId: String
    /// `<transactionId>#<documentId>`, unique per event.
    public var eventId: String
    public var transactionId: String
    public var transition: Transition
    /// Who made the change.
    public var identity: String?
    public var previousRev: String?
    public var resultRev: String?
    public var timestamp: String
    /// The document after the change (absent when it disappeared by deletion, or not asked for).
    public var result: JSONValue?
    /// The document before the change, when asked for.
    public var previous: JSONValue?
    /// The transaction's mutations, when asked for.
    public var mutations: [JSONValue]?
    /// `{"apply", "revert"}`: the change as ``MendozaPatch`` effects, when asked for
    /// (`effectFormat=mendoza`).
    public var effects: JSONValue?
    /// Position of this event among the transaction's events that reach this listener.
    public var transactionCurrentEvent: Int
    public var transactionTotalEvents: Int

    public var json: JSONValue {
        var object: JSONObject = [
            "type": "mutation",
            "eventId": .string(eventId),
            "documentId": .string(documentId),
            "transactionId": .string(transactionId),
            "transition": .string(transition.rawValue),
            "identity": identity.map(JSONValue.string) ?? .null,
            "previousRev": previousRev.map(JSONValue.string) ?? .null,
            "resultRev": resultRev.map(JSONValue.string) ?? .null,
            "timestamp": .string(timestamp),
            "visibility": "transaction",
            "transactionTotalEvents": .number(Double(transactionTotalEvents)),
            "transactionCurrentEvent": .number(Double(transactionCurrentEvent)),
        ]
        if let result { object["result"] = result }
        if let previous { object["previous"] = previous }
        if let mutations { object["mutations"] = .array(mutations) }
        if let effects { object["effects"] = effects }
        return .object(object)
    }
}

/// What a subscription receives and how much it may fall behind.
public struct ListenOptions: Sendable {
    /// Send the document after each change (`result`).
    public var includeResult = true
    /// Send the document before each change (`previous`).
    public var includePreviousRevision = false
    /// Send the transaction's mutations.
    public var includeMutations = true
    /// Send each change as Mendoza effects (`effects`, from the document as the listener saw it
    /// before to as it sees it after).
    public var includeEffects = false
    /// How many committed transactions may wait for a slow listener before it is dropped with
    /// a `reconnect` event; writers never wait for listeners.
    public var bufferLimit = 1_000
    /// How many bytes of committed changes (documents before and after, and mutations, about as
    /// large as they are serialised) may wait for a slow listener before it is dropped with a
    /// `reconnect` event: what one listener that never reads can hold in memory (8 MiB by
    /// default). A transaction larger than this on its own is still taken into an empty buffer.
    public var bufferBytes = 8 * 1024 * 1024
    /// What the listener may see: its filter matches, and its events carry, documents as this
    /// shows them (hidden ones are absent), and of the mutations those that write only what it
    /// sees, as history shows them. `nil` sees everything.
    public var visibility: (any DocumentVisibility)?

    public init(includeResult: Bool = true, includePreviousRevision: Bool = false, includeMutations: Bool = true, includeEffects: Bool = false,
                bufferLimit: Int = 1_000, bufferBytes: Int = 8 * 1024 * 1024)
    {
        self.includeResult = includeResult
        self.includePreviousRevision = includePreviousRevision
        self.includeMutations = includeMutations
        self.includeEffects = includeEffects
        self.bufferLimit = bufferLimit
        self.bufferBytes = bufferBytes
    }
}
