import FacetStore
import GROQ
import NIOCore
import PostgresNIO

/// One dataset's documents and history in PostgreSQL (see ``PostgresBackend``).
final class PostgresDatasetStorage: DatasetStorage {
    private let connections: PostgresConnections
    /// The dataset's row in `facet_datasets`.
    private let key: Int64
    /// The name commits are announced under; `nil` while the dataset is staged, as nobody
    /// listens to it yet.
    private let name: String?

    init(connections: PostgresConnections, key: Int64, name: String?) {
        self.connections = connections
        self.key = key
        self.name = name
    }

    /// Documents read per statement while a dataset opens: enough to spread parsing over the
    /// cores, few enough that the text waiting to be parsed stays small.
    private static let loadBatch = 2_048

    func loadDocuments(opening open: ((inout [JSONValue]) throws(StoreError) -> Void)?) throws(StoreError)
        -> (documents: [JSONValue], sequence: Int64)
    {
        // One snapshot of the database for the whole read, so that a commit made meanwhile is
        // either wholly in it (documents and sequence number) or wholly out.
        try connections.withTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { connection in
            let head = try connection.run("SELECT last_seq, (SELECT count(*) FROM facet_documents WHERE dataset = \(key)) FROM facet_datasets WHERE key = \(key)")
            guard let row = head.first else { throw Self.missing }
            let (sequence, count) = try row.decode((Int64, Int64).self)
            var documents: [JSONValue] = []
            documents.reserveCapacity(Int(count))
            var after = ""
            while true {
                let rows = try connection.run("""
                    SELECT id, body FROM facet_documents WHERE dataset = \(key) AND id > \(after) ORDER BY id LIMIT \(Self.loadBatch)
                    """)
                var ids: [String] = []
                var bodies: [ByteBuffer] = []
                for row in rows {
                    let (id, body) = try row.decode((String, ByteBuffer).self)
                    ids.append(id)
                    bodies.append(body)
                }
                var batch = try Self.parsed(bodies, ids: ids)
                try open?(&batch)
                documents.append(contentsOf: batch)
                guard ids.count == Self.loadBatch, let last = ids.last else { break }
                after = last
            }
            return ((documents, sequence), commit: true)
        }
    }

    /// The bodies parsed, in order, on every core; the first damaged one is reported by id.
    private static func parsed(_ bodies: [ByteBuffer], ids: [String]) throws(StoreError) -> [JSONValue] {
        var documents = [JSONValue](repeating: .null, count: bodies.count)
        try EveryCore.transform(&documents) { (index, _) throws(StoreError) in
            try parse(bodies[index], what: "document \(ids[index])")
        }
        return documents
    }

    private static func parse(_ body: ByteBuffer, what: @autoclosure () -> String) throws(StoreError) -> JSONValue {
        let parsed = body.withUnsafeReadableBytes { bytes in Result { () throws(JSONError) in try JSONValue(parsing: bytes) } }
        switch parsed {
        case .success(let value): return value
        case .failure(let error):
            throw StoreError.storage("The stored body of \(what()) is damaged: \(error)", advice: "Restore the dataset from an export or a backup.")
        }
    }

    private static var missing: StoreError {
        StoreError(.notFound, type: "datasetNotFoundError", message: "The dataset was deleted while it was open",
                   advice: "List datasets with `facet dataset list`.")
    }

    func prepare(_ transaction: CommittedTransaction) throws(StoreError) -> PreparedTransaction {
        PreparedTransaction(serializing: transaction)
    }

    func append(_ prepared: PreparedTransaction) throws(StoreError) -> Bool {
        try connections.withTransaction { connection in
            // The row lock is held until the commit: no other server commits to this dataset
            // between the check and the inserts.
            guard try lockedLastSequence(connection) == prepared.transaction.sequence - 1 else { return (false, commit: false) }
            let pending = insert(prepared, connection)
            try finish(at: prepared.transaction.sequence, connection, after: pending)
            return (true, commit: true)
        }
    }

    func appendAll(after sequence: Int64,
                   _ body: (_ missed: [CommittedTransaction], _ append: (CommittedTransaction) throws(StoreError) -> Void) throws(StoreError) -> Void)
        throws(StoreError)
    {
        try connections.withTransaction { connection in
            let last = try lockedLastSequence(connection)
            let missed = last == sequence ? [] : try readTransactions(Self.transactionsAfter(sequence, dataset: key), connection)
            var expected = last + 1
            // One transaction's statements are in flight while the next is worked out; they
            // are waited for before the next ones are sent, so no more than one is queued.
            var pending: PendingWrites?
            do {
                try body(missed) { (transaction: CommittedTransaction) throws(StoreError) in
                    guard transaction.sequence == expected else {
                        throw StoreError.storage("Transaction \(transaction.id) has sequence \(transaction.sequence), expected \(expected)")
                    }
                    let prepared = try prepare(transaction)
                    try pending?.wait()
                    pending = insert(prepared, connection)
                    expected += 1
                }
            } catch {
                // What was sent is answered before the rollback goes out on the same connection.
                try? pending?.wait()
                throw error
            }
            if expected > last + 1 { try finish(at: expected - 1, connection, after: pending) }
            return ((), commit: true)
        }
    }

    func appendHoldingLock(after sequence: Int64,
                           _ body: (_ missed: [CommittedTransaction]) throws(StoreError) -> CommittedTransaction?) throws(StoreError)
    {
        try connections.withTransaction { connection in
            _ = try lockedLastSequence(connection)
            let missed = try readTransactions(Self.transactionsAfter(sequence, dataset: key), connection)
            guard let transaction = try body(missed) else { return ((), commit: true) }
            let pending = insert(try prepare(transaction), connection)
            try finish(at: transaction.sequence, connection, after: pending)
            return ((), commit: true)
        }
    }

    private func lockedLastSequence(_ connection: PostgresConnection) throws -> Int64 {
        guard let row = try connection.run("SELECT last_seq FROM facet_datasets WHERE key = \(key) FOR UPDATE").first else { throw Self.missing }
        return try row.decode(Int64.self)
    }

    /// Moves the dataset's sequence number and announces the commit, which the database sends
    /// to listeners only once the transaction commits; then waits for every write sent.
    private func finish(at sequence: Int64, _ connection: PostgresConnection, after pending: PendingWrites?) throws {
        var pending = pending ?? PendingWrites(transactionID: "")
        pending.rest.append(connection.send("UPDATE facet_datasets SET last_seq = \(sequence), touched_at = now() WHERE key = \(key)"))
        if let name {
            pending.rest.append(connection.send(
                "SELECT pg_notify(\(PostgresBackend.commitChannel(schema: connections.location.schema)), \(name + " " + String(sequence)))"))
        }
        try pending.wait()
    }

    /// Sends one transaction's history record and documents, inside the caller's transaction:
    /// four statements whatever its size, the documents passed as arrays. They are sent
    /// without waiting for their answers; the caller waits for the ``PendingWrites`` before it
    /// commits, and meanwhile works out what comes next while the database writes.
    private func insert(_ prepared: PreparedTransaction, _ connection: PostgresConnection) -> PendingWrites {
        let transaction = prepared.transaction
        var pending = PendingWrites(transactionID: transaction.id)
        pending.history = connection.send("""
                INSERT INTO facet_transactions (dataset, seq, id, timestamp, author, mutations)
                VALUES (\(key), \(transaction.sequence), \(transaction.id), \(transaction.timestamp), \(transaction.author), \(prepared.mutations))
                """)
        // A document's last effect in the transaction is what it holds after it.
        var last: [String: Int] = [:]
        for (index, effect) in transaction.effects.enumerated() { last[effect.documentID] = index }
        var written: (ids: [String], types: [String], revs: [String], bodies: [String]) = ([], [], [], [])
        var deleted: [String] = []
        for (index, effect) in transaction.effects.enumerated() where last[effect.documentID] == index {
            if let document = effect.document, let body = prepared.bodies[index] {
                written.ids.append(effect.documentID)
                // PostgreSQL's text holds no NUL character, which a JSON string may: the body
                // keeps the type exactly (escaped as JSON writes it); this column, which only
                // describes the row, gets it with NUL shown as U+FFFD.
                written.types.append((document["_type"]?.stringValue ?? "").replacingOccurrences(of: "\u{0}", with: "\u{FFFD}"))
                written.revs.append(effect.resultRevision)
                written.bodies.append(body)
            } else {
                deleted.append(effect.documentID)
            }
        }
        if !written.ids.isEmpty {
            pending.rest.append(connection.send("""
                INSERT INTO facet_documents (dataset, id, type, rev, body)
                SELECT \(key), u.id, u.type, u.rev, u.body FROM unnest(\(written.ids)::text[], \(written.types)::text[], \(written.revs)::text[], \(written.bodies)::text[]) AS u (id, type, rev, body)
                ON CONFLICT (dataset, id) DO UPDATE SET type = excluded.type, rev = excluded.rev, body = excluded.body
                """))
        }
        if !deleted.isEmpty {
            pending.rest.append(connection.send("DELETE FROM facet_documents WHERE dataset = \(key) AND id = ANY(\(deleted))"))
        }
        guard !transaction.effects.isEmpty else { return pending }
        // Neither a revision nor a body is ever empty text, so empty text stands for NULL.
        let effects = transaction.effects
        pending.rest.append(connection.send("""
            INSERT INTO facet_revisions (dataset, document_id, seq, rev, previous_rev, timestamp, body)
            SELECT \(key), u.id, \(transaction.sequence), u.rev, NULLIF(u.previous, ''), \(transaction.timestamp), NULLIF(u.body, '')
            FROM unnest(\(effects.map(\.documentID))::text[], \(effects.map(\.resultRevision))::text[], \(effects.map { $0.previousRevision ?? "" })::text[],
                        \(prepared.bodies.map { $0 ?? "" })::text[]) AS u (id, rev, previous, body)
            """))
        return pending
    }

    /// Servers sharing the database commit to it as a rule.
    var expectsConcurrentWriters: Bool { true }

    var imagePath: String? { nil }

    func historyMark(at sequence: Int64) throws(StoreError) -> HistoryMark {
        try connections.withConnection { connection in
            let row = try connection.run("""
                SELECT (SELECT id FROM facet_transactions WHERE dataset = \(key) AND seq = \(sequence)),
                       (SELECT last_seq FROM facet_datasets WHERE key = \(key)),
                       (SELECT count(*) FROM facet_revisions WHERE dataset = \(key) AND seq > \(sequence))
                """).first
            guard let (id, last, after) = try row?.decode((String?, Int64?, Int64).self), let last else { throw Self.missing }
            return HistoryMark(transactionID: id, lastSequence: last, revisionsAfter: Int(after))
        }
    }

    func containsTransaction(id: String) throws(StoreError) -> Bool {
        try connections.withConnection { connection in
            try connection.run("SELECT 1 FROM facet_transactions WHERE dataset = \(key) AND id = \(id)").first != nil
        }
    }

    func document(id: String, at point: RevisionPoint) throws(StoreError) -> JSONValue? {
        try connections.withConnection { connection -> JSONValue? in
            let rows: PostgresQueryResult
            switch point {
            case .revision(let rev):
                rows = try connection.run("SELECT body FROM facet_revisions WHERE dataset = \(key) AND document_id = \(id) AND rev = \(rev) LIMIT 1")
                guard rows.first != nil else {
                    throw StoreError(.notFound, type: "revisionNotFoundError", message: "Document \"\(id)\" has no revision \"\(rev)\"",
                                     advice: "List its transactions with the history API to see the revisions it has.", documentID: id)
                }
            case .time(let time):
                rows = try connection.run("""
                    SELECT body FROM facet_revisions WHERE dataset = \(key) AND document_id = \(id) AND timestamp <= \(time) ORDER BY seq DESC LIMIT 1
                    """)
            case .lastRevision:
                rows = try connection.run("""
                    SELECT body FROM facet_revisions WHERE dataset = \(key) AND document_id = \(id) AND body IS NOT NULL ORDER BY seq DESC LIMIT 1
                    """)
            }
            guard let body = try rows.first?.decode(ByteBuffer?.self) else { return nil }
            return try Self.parse(body, what: "document \(id)")
        }
    }

    func transactions(touching documentIDs: [String], filter: HistoryFilter) throws(StoreError) -> [CommittedTransaction] {
        var query = PostgresQuery(stringLiteral: "")
        var conditions = ["dataset = $1"]
        var binds = PostgresBindings()
        binds.append(key)
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        if !documentIDs.isEmpty {
            conditions.append("seq IN (SELECT seq FROM facet_revisions WHERE dataset = $1 AND document_id = ANY(\(bind(documentIDs))))")
        }
        if let from = filter.fromTime { conditions.append("timestamp >= \(bind(from))") }
        if let to = filter.toTime { conditions.append("timestamp <= \(bind(to))") }
        if let from = filter.fromTransaction { conditions.append("seq >= (SELECT seq FROM facet_transactions WHERE dataset = $1 AND id = \(bind(from)))") }
        if let to = filter.toTransaction { conditions.append("seq <= (SELECT seq FROM facet_transactions WHERE dataset = $1 AND id = \(bind(to)))") }
        if let authors = filter.authors, !authors.isEmpty { conditions.append("author = ANY(\(bind(authors)))") }
        var sql = "SELECT seq, id, timestamp, author, mutations FROM facet_transactions WHERE " + conditions.joined(separator: " AND ")
        sql += filter.reverse ? " ORDER BY seq DESC" : " ORDER BY seq ASC"
        if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
        query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try readTransactions(query)
    }

    func transactions(after sequence: Int64, limit: Int?) throws(StoreError) -> [CommittedTransaction] {
        try readTransactions(Self.transactionsAfter(sequence, dataset: key, limit: limit))
    }

    private static func transactionsAfter(_ sequence: Int64, dataset key: Int64, limit: Int? = nil) -> PostgresQuery {
        let limit = limit.map { Int64(max(0, $0)) }
        return "SELECT seq, id, timestamp, author, mutations FROM facet_transactions WHERE dataset = \(key) AND seq > \(sequence) ORDER BY seq LIMIT \(limit)"
    }

    private func readTransactions(_ query: PostgresQuery) throws(StoreError) -> [CommittedTransaction] {
        try connections.withConnection { connection in try readTransactions(query, connection) }
    }

    /// The transactions `query` selects, with their effects read in one more statement.
    private func readTransactions(_ query: PostgresQuery, _ connection: PostgresConnection) throws -> [CommittedTransaction] {
        var transactions: [CommittedTransaction] = []
        var position: [Int64: Int] = [:]
        for row in try connection.run(query) {
            let (sequence, id, timestamp, author, text) = try row.decode((Int64, String, String, String?, ByteBuffer).self)
            let mutations = try Self.parse(text, what: "transaction \(sequence)")
            position[sequence] = transactions.count
            transactions.append(CommittedTransaction(sequence: sequence, id: id, timestamp: timestamp, author: author,
                                                     mutations: mutations.arrayValue ?? [], effects: []))
        }
        guard !transactions.isEmpty else { return [] }
        let sequences = transactions.map(\.sequence)
        for row in try connection.run("""
            SELECT seq, document_id, previous_rev, rev, body FROM facet_revisions
            WHERE dataset = \(key) AND seq = ANY(\(sequences)) ORDER BY seq, document_id
            """)
        {
            let (sequence, documentID, previous, revision, body) = try row.decode((Int64, String, String?, String, ByteBuffer?).self)
            guard let index = position[sequence] else { continue }
            let document = try body.map { body throws(StoreError) in try Self.parse(body, what: "a revision of transaction \(sequence)") }
            transactions[index].effects.append(CommittedTransaction.Effect(documentID: documentID, previousRevision: previous,
                                                                           resultRevision: revision, document: document))
        }
        return transactions
    }

    func close() {}
}

/// Statements sent for one transaction and not answered yet.
private struct PendingWrites {
    let transactionID: String
    /// The history record, whose failure on the unique id means the id was used before.
    var history: EventLoopFuture<PostgresQueryResult>?
    var rest: [EventLoopFuture<PostgresQueryResult>] = []

    init(transactionID: String) {
        self.transactionID = transactionID
    }

    /// Waits for every answer; the first failure is thrown (the ones after it only say the
    /// transaction was aborted).
    func wait() throws(StoreError) {
        var failure: (any Error)?
        do { _ = try history?.wait() } catch { failure = error }
        for future in rest {
            do { _ = try future.wait() } catch { failure = failure ?? error }
        }
        guard let failure else { return }
        if PostgresConnections.isUniqueViolation(failure), history != nil, !transactionID.isEmpty {
            throw StoreError.transactionIDUsed(transactionID)
        }
        throw PostgresConnections.translate(failure)
    }
}
