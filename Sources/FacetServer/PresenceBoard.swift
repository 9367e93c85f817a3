import Dispatch

/// Who has which document open in the studio, and which field each of them is editing.
///
/// Each open editor (a browser tab) sends a heartbeat every few seconds; an entry that misses
/// heartbeats for ``Limits/expiry`` seconds is gone, so a tab that closes without saying so (a
/// crash, a lost connection) disappears on its own. The board lives in memory only: presence is
/// of the moment, and a restarted server learns it again within one heartbeat.
///
/// An actor, as the board is state every request shares: heartbeats from any number of requests
/// are taken one at a time. A heartbeat costs a look at its own document's entries; the whole
/// board is swept at most once per expiry period.
///
/// Memory is bounded whatever clients send: entries per document, documents per user and
/// entries in all are capped (``Limits``), and the texts kept (session ids, field paths, names)
/// are checked for length before they are stored.
///
/// ```swift
/// let board = PresenceBoard()
/// let others = try await board.heartbeat(PresenceBoard.Visitor(userID: "u-1", name: "Ana", role: "editor", session: "tab-1"),
///                                        at: PresenceBoard.Place(dataset: "production", documentID: "c-1"), field: "name")
/// ```
public actor PresenceBoard {
    /// How much the board holds and how long an entry lives.
    public struct Limits: Sendable, Equatable {
        /// Seconds without a heartbeat after which an entry is gone.
        public var expiry: Double = 8
        /// Editors present on one document at a time.
        public var perDocument = 32
        /// Documents one user may be present on at a time (all their tabs together).
        public var perUser = 24
        /// Entries on the whole board.
        public var total = 10_000
        /// Longest field path, in UTF-8 bytes.
        public var fieldPathBytes = 256
        /// Longest session (tab) id, in UTF-8 bytes.
        public var sessionBytes = 64

        public init() {}
    }

    /// Who is present: the user (from their credentials) and the tab they are in.
    public struct Visitor: Sendable, Equatable {
        public var userID: String
        public var name: String
        public var role: String
        /// The tab's own id: one user may have the document open in two tabs.
        public var session: String

        public init(userID: String, name: String, role: String, session: String) {
            self.userID = userID
            self.name = name
            self.role = role
            self.session = session
        }
    }

    /// A document of a dataset, by its published id (a draft and its document are one place).
    public struct Place: Sendable, Hashable {
        public var dataset: String
        public var documentID: String

        public init(dataset: String, documentID: String) {
            self.dataset = dataset
            self.documentID = documentID
        }
    }

    /// One visitor's presence on a document.
    public struct Entry: Sendable, Equatable {
        public var visitor: Visitor
        /// The dotted path of the field the visitor is editing, or `nil` when none has focus.
        public var field: String?
        /// When the last heartbeat came, in the board's clock (seconds).
        public var lastSeen: Double
    }

    public nonisolated let limits: Limits
    private let now: @Sendable () -> Double
    private var places: [Place: [Key: Entry]] = [:]
    private var placesPerUser: [String: Int] = [:]
    private var count = 0
    private var lastSweep: Double

    /// Entries are kept per user and tab, so that one user cannot replace another's entry by
    /// sending the same tab id.
    private struct Key: Hashable {
        var userID: String
        var session: String
    }

    /// `now` is a monotonic clock in seconds, injectable so that expiry can be tested without waiting.
    public init(limits: Limits = Limits(), now: @escaping @Sendable () -> Double = PresenceBoard.uptime) {
        self.limits = limits
        self.now = now
        lastSweep = now()
    }

    /// Seconds since the machine started (never steps back with the wall clock).
    public static let uptime: @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Records that `visitor` is on `place`, editing `field`; answers everyone else present there
    /// (the visitor's other tabs included), longest present first.
    ///
    /// Throws ``PresenceError`` when the session id or field path is unusable, or when a cap would
    /// be passed; nothing is stored then.
    public func heartbeat(_ visitor: Visitor, at place: Place, field: String?) throws(PresenceError) -> [Entry] {
        try check(visitor, field: field)
        let time = now()
        sweepIfDue(at: time)
        prune(place, at: time)
        let key = Key(userID: visitor.userID, session: visitor.session)
        var entries = places[place] ?? [:]
        if entries[key] == nil {
            guard entries.count < limits.perDocument else { throw .documentFull(limit: limits.perDocument) }
            guard count < limits.total else { throw .boardFull }
            let alreadyThere = entries.keys.contains { $0.userID == visitor.userID }
            if !alreadyThere {
                guard placesPerUser[visitor.userID, default: 0] < limits.perUser else { throw .tooManyDocuments(limit: limits.perUser) }
                placesPerUser[visitor.userID, default: 0] += 1
            }
            count += 1
        }
        entries[key] = Entry(visitor: visitor, field: field, lastSeen: time)
        places[place] = entries
        return others(of: key, in: entries)
    }

    /// Everyone present on `place` (for a reader who is not there themselves).
    public func present(at place: Place) -> [Entry] {
        prune(place, at: now())
        return (places[place] ?? [:]).values.sorted(by: Self.order)
    }

    /// Removes `visitor`'s tab from `place` (the tab closed or left the document).
    ///
    /// Throws ``PresenceError/invalidSession(limit:)`` for a session id no heartbeat could have sent.
    public func leave(_ visitor: Visitor, from place: Place) throws(PresenceError) {
        try check(visitor, field: nil)
        guard var entries = places[place] else { return }
        let key = Key(userID: visitor.userID, session: visitor.session)
        guard entries.removeValue(forKey: key) != nil else { return }
        count -= 1
        if !entries.keys.contains(where: { $0.userID == visitor.userID }) { releasePlace(of: visitor.userID) }
        places[place] = entries.isEmpty ? nil : entries
    }

    /// Entries on the whole board and documents with anyone present, for tests and metrics.
    public var size: (entries: Int, documents: Int) { (count, places.count) }

    // MARK: Private

    private func check(_ visitor: Visitor, field: String?) throws(PresenceError) {
        let session = visitor.session.utf8
        guard !session.isEmpty, session.count <= limits.sessionBytes,
              session.allSatisfy({ Self.sessionBytes.contains($0) })
        else { throw .invalidSession(limit: limits.sessionBytes) }
        if let field {
            guard field.utf8.count <= limits.fieldPathBytes else { throw .fieldPathTooLong(bytes: field.utf8.count, limit: limits.fieldPathBytes) }
            guard !field.isEmpty, field.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else { throw .invalidFieldPath }
        }
    }

    /// Letters, digits, `-` and `_`: what a tab id made by the studio holds.
    private static let sessionBytes: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8))

    private func others(of key: Key, in entries: [Key: Entry]) -> [Entry] {
        entries.filter { $0.key != key }.values.sorted(by: Self.order)
    }

    private static func order(_ a: Entry, _ b: Entry) -> Bool {
        (a.visitor.name, a.visitor.session) < (b.visitor.name, b.visitor.session)
    }

    /// Drops the entries of `place` that missed their heartbeats.
    private func prune(_ place: Place, at time: Double) {
        guard var entries = places[place] else { return }
        let users = Set(entries.keys.map(\.userID))
        for (key, entry) in entries where time - entry.lastSeen > limits.expiry {
            entries.removeValue(forKey: key)
            count -= 1
        }
        let remaining = Set(entries.keys.map(\.userID))
        for user in users.subtracting(remaining) { releasePlace(of: user) }
        places[place] = entries.isEmpty ? nil : entries
    }

    /// Prunes every document once per expiry period, so that documents nobody asks about again
    /// do not keep their entries (and their users' counts) forever.
    private func sweepIfDue(at time: Double) {
        guard time - lastSweep >= limits.expiry else { return }
        lastSweep = time
        for place in Array(places.keys) { prune(place, at: time) }
    }

    private func releasePlace(of user: String) {
        let left = placesPerUser[user, default: 1] - 1
        placesPerUser[user] = left > 0 ? left : nil
    }
}

/// Why a presence heartbeat was refused.
public enum PresenceError: Error, Sendable, Equatable {
    /// The session (tab) id is empty, too long, or holds other than letters, digits, `-` and `_`.
    case invalidSession(limit: Int)
    /// The field path is longer than the board keeps.
    case fieldPathTooLong(bytes: Int, limit: Int)
    /// The field path is empty or holds control characters.
    case invalidFieldPath
    /// As many editors as the board keeps per document are present already.
    case documentFull(limit: Int)
    /// The user is present on as many documents as one user may be.
    case tooManyDocuments(limit: Int)
    /// The board holds as many entries as it may.
    case boardFull

    /// What went wrong and what to do, for the client.
    public var message: String {
        switch self {
        case .invalidSession(let limit):
            "The session id must be 1 to \(limit) letters, digits, '-' or '_'; make one per tab (a random id) and send it with every heartbeat."
        case .fieldPathTooLong(let bytes, let limit):
            "The field path is \(bytes) bytes, over the limit of \(limit); send the dotted path of the field being edited (e.g. address.city)."
        case .invalidFieldPath:
            "The field path must be non-empty text without control characters; send null when no field has focus."
        case .documentFull(let limit):
            "\(limit) editors are on this document already; presence is not shown for more. Editing still works."
        case .tooManyDocuments(let limit):
            "You are present on \(limit) documents already; close some (or send DELETE when a tab leaves a document) before opening more."
        case .boardFull:
            "The server is tracking as many editors as it can; try again in a few seconds. Editing still works."
        }
    }
}
