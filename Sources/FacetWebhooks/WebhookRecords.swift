import FacetStore
import Foundation
import GROQ

/// The hooks, their outbox of deliveries and the log of attempts, in a ``RelationalDatabase``:
/// `integrations.sqlite` in the data directory on one machine, the shared records on PostgreSQL.
///
/// Each hook carries a cursor: the sequence number of the last transaction of its dataset that
/// was looked at for it. The deliveries a batch of transactions makes and the cursor past them
/// are written in one transaction, and the transaction log they are read from was written in
/// each commit's own transaction: so the log is the outbox, and an event is neither lost nor
/// queued twice, whatever dies when.
struct WebhookRecords: Sendable {
    let database: any RelationalDatabase

    static let tables = [
        TableStep("webhooks", sqlite: ["""
            CREATE TABLE webhooks (
                id TEXT PRIMARY KEY, dataset TEXT NOT NULL, definition TEXT NOT NULL, secret TEXT,
                cursor INTEGER NOT NULL, created_at TEXT NOT NULL)
            """, """
            CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY, hook_id TEXT NOT NULL, sequence INTEGER NOT NULL, transaction_id TEXT NOT NULL,
                transaction_time TEXT NOT NULL, document_id TEXT NOT NULL, operation TEXT NOT NULL, body TEXT NOT NULL,
                state TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt REAL NOT NULL, created_at REAL NOT NULL,
                last_error TEXT)
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, hook_id, next_attempt)",
            "CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (hook_id, sequence)",
            "CREATE INDEX webhook_deliveries_document ON webhook_deliveries (hook_id, document_id, sequence)",
            """
            CREATE TABLE webhook_attempts (
                delivery_id TEXT NOT NULL, hook_id TEXT NOT NULL, number INTEGER NOT NULL, at REAL NOT NULL,
                status INTEGER, latency_ms REAL NOT NULL, error TEXT, response TEXT, PRIMARY KEY (delivery_id, number))
            """,
            "CREATE INDEX webhook_attempts_hook ON webhook_attempts (hook_id, at)",
        ], postgres: [
            """
            CREATE TABLE webhooks (
                id text PRIMARY KEY, dataset text NOT NULL, definition text NOT NULL, secret text,
                cursor bigint NOT NULL, created_at text NOT NULL)
            """, """
            CREATE TABLE webhook_deliveries (
                id text PRIMARY KEY, hook_id text NOT NULL, sequence bigint NOT NULL, transaction_id text NOT NULL,
                transaction_time text NOT NULL, document_id text NOT NULL, operation text NOT NULL, body text NOT NULL,
                state text NOT NULL, attempts bigint NOT NULL, next_attempt double precision NOT NULL,
                created_at double precision NOT NULL, last_error text)
            """,
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, hook_id, next_attempt)",
            "CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (hook_id, sequence)",
            "CREATE INDEX webhook_deliveries_document ON webhook_deliveries (hook_id, document_id, sequence)",
            """
            CREATE TABLE webhook_attempts (
                delivery_id text NOT NULL, hook_id text NOT NULL, number bigint NOT NULL, at double precision NOT NULL,
                status bigint, latency_ms double precision NOT NULL, error text, response text, PRIMARY KEY (delivery_id, number))
            """,
            "CREATE INDEX webhook_attempts_hook ON webhook_attempts (hook_id, at)",
        ]),
    ]

    init(database: any RelationalDatabase) throws(WebhookError) {
        self.database = database
        do { try database.migrate(Self.tables) } catch {
            throw WebhookError.records(error, doing: "Cannot open the webhook records in \(database.location)")
        }
    }

    func write<T>(_ what: String, _ body: (any RelationalTransaction) throws -> T) throws(WebhookError) -> T {
        do { return try database.write(body) } catch { throw WebhookError.records(error, doing: what) }
    }

    func read<T>(_ what: String, _ body: (any RelationalTransaction) throws -> T) throws(WebhookError) -> T {
        do { return try database.read(body) } catch { throw WebhookError.records(error, doing: what) }
    }

    // MARK: Hooks

    /// A hook as stored: its definition, sealed secret and cursor.
    struct StoredHook: Sendable {
        var hook: Webhook
        var sealedSecret: String?
        var cursor: Int64
    }

    static let hookColumns = "id, dataset, definition, secret, cursor"

    static func hook(_ row: SQLRow) throws -> StoredHook {
        let text: String = row["definition"]
        let definition = try JSONValue(parsing: text)
        guard let hook = Webhook(stored: definition, id: row["id"], dataset: row["dataset"]) else {
            throw WebhookError(.storage, "The stored webhook \(row["id"] as String) cannot be read")
        }
        return StoredHook(hook: hook, sealedSecret: row["secret"], cursor: row["cursor"])
    }

    func hooks(dataset: String?) throws(WebhookError) -> [StoredHook] {
        try read("Cannot read the webhooks") { db in
            let rows = if let dataset {
                try db.rows("SELECT \(Self.hookColumns) FROM webhooks WHERE dataset = ? ORDER BY created_at, id", [dataset])
            } else {
                try db.rows("SELECT \(Self.hookColumns) FROM webhooks ORDER BY created_at, id")
            }
            return try rows.map(Self.hook)
        }
    }

    func hook(id: String, dataset: String) throws(WebhookError) -> StoredHook {
        let found = try read("Cannot read the webhook") { db in
            try db.row("SELECT \(Self.hookColumns) FROM webhooks WHERE id = ? AND dataset = ?", [id, dataset]).map(Self.hook)
        }
        guard let found else {
            throw WebhookError(.notFound, "No webhook \(id) in dataset \(dataset)", advice: "List the dataset's hooks at /v1/hooks/\(dataset).")
        }
        return found
    }

    func insert(_ stored: StoredHook) throws(WebhookError) {
        try write("Cannot save the webhook") { db in
            _ = try db.execute("INSERT INTO webhooks (id, dataset, definition, secret, cursor, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                               [stored.hook.id, stored.hook.dataset, stored.hook.stored.serialized(), stored.sealedSecret,
                                stored.cursor, stored.hook.createdAt])
        }
    }

    /// Saves a changed hook; `cursor`, when given, moves it (a hook enabled again starts from now).
    func update(_ hook: Webhook, sealedSecret: String?, cursor: Int64?) throws(WebhookError) {
        try write("Cannot save the webhook") { db in
            _ = try db.execute("UPDATE webhooks SET definition = ?, secret = ?, cursor = COALESCE(?, cursor) WHERE id = ?",
                               [hook.stored.serialized(), sealedSecret, cursor, hook.id])
        }
    }

    /// Removes a hook with its outbox and log.
    func delete(id: String) throws(WebhookError) {
        try write("Cannot delete the webhook") { db in
            _ = try db.execute("DELETE FROM webhook_attempts WHERE hook_id = ?", [id])
            _ = try db.execute("DELETE FROM webhook_deliveries WHERE hook_id = ?", [id])
            _ = try db.execute("DELETE FROM webhooks WHERE id = ?", [id])
        }
    }

    // MARK: The outbox

    /// Queues `deliveries` and moves the hook's cursor from `from` to `to`, in one transaction;
    /// `false`, writing nothing, when another dispatcher moved the cursor first.
    func enqueue(_ deliveries: [WebhookDelivery], hook: String, from: Int64, to: Int64) throws(WebhookError) -> Bool {
        try write("Cannot queue webhook deliveries") { db in
            guard try db.execute("UPDATE webhooks SET cursor = ? WHERE id = ? AND cursor = ?", [to, hook, from]) == 1 else { return false }
            for delivery in deliveries {
                _ = try db.execute("""
                    INSERT INTO webhook_deliveries (id, hook_id, sequence, transaction_id, transaction_time, document_id, operation,
                        body, state, attempts, next_attempt, created_at, last_error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                    """, [delivery.id, delivery.hookID, delivery.sequence, delivery.transactionID, delivery.transactionTime,
                          delivery.documentID, delivery.operation.rawValue, delivery.body, delivery.state.rawValue,
                          delivery.nextAttempt, delivery.createdAt, delivery.lastError])
            }
            return true
        }
    }

    static let deliveryColumns = """
        id, hook_id, sequence, transaction_id, transaction_time, document_id, operation, body, state, attempts, next_attempt,
        created_at, last_error
        """

    /// Deliveries of `hook` due by `now`, oldest first, leaving out those of documents in
    /// `busy` (being sent now). A document's changes reach the receiver in commit order: a
    /// delivery waits while an earlier one of the same document is pending (or retrying).
    func due(hook: String, now: Double, limit: Int, busy: Set<String>) throws(WebhookError) -> [WebhookDelivery] {
        guard limit > 0 else { return [] }
        return try read("Cannot read the webhook outbox") { db in
            try db.rows("""
                SELECT \(Self.deliveryColumns) FROM webhook_deliveries d
                WHERE state = 'pending' AND hook_id = ? AND next_attempt <= ?
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.hook_id = d.hook_id AND e.document_id = d.document_id
                                  AND e.sequence < d.sequence AND e.state = 'pending')
                ORDER BY sequence LIMIT ?
                """, [hook, now, limit + busy.count])
                .map(WebhookDelivery.init(row:)).filter { !busy.contains($0.documentID) }.prefix(limit).map { $0 }
        }
    }

    func deliveries(hook: String, state: WebhookDelivery.State?, limit: Int) throws(WebhookError) -> [WebhookDelivery] {
        try read("Cannot read the webhook deliveries") { db in
            if let state {
                return try db.rows("SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE hook_id = ? AND state = ? ORDER BY sequence DESC, id LIMIT ?",
                                   [hook, state.rawValue, limit]).map(WebhookDelivery.init(row:))
            }
            return try db.rows("SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE hook_id = ? ORDER BY sequence DESC, id LIMIT ?",
                               [hook, limit]).map(WebhookDelivery.init(row:))
        }
    }

    func delivery(id: String, hook: String) throws(WebhookError) -> WebhookDelivery? {
        try read("Cannot read the webhook delivery") { db in
            try db.row("SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE id = ? AND hook_id = ?", [id, hook])
                .map(WebhookDelivery.init(row:))
        }
    }

    /// Records an attempt and what it leaves the delivery as, in one transaction.
    func record(_ attempt: WebhookAttempt, delivery: WebhookDelivery) throws(WebhookError) {
        try write("Cannot record a webhook attempt") { db in
            _ = try db.execute("""
                INSERT INTO webhook_attempts (delivery_id, hook_id, number, at, status, latency_ms, error, response)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id, number) DO NOTHING
                """, [attempt.deliveryID, attempt.hookID, attempt.number, attempt.at, attempt.status, attempt.latencyMilliseconds,
                      attempt.error, attempt.response])
            _ = try db.execute("UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt = ?, last_error = ? WHERE id = ?",
                               [delivery.state.rawValue, delivery.attempts, delivery.nextAttempt, delivery.lastError, delivery.id])
        }
    }

    /// Puts a delivery back in the queue, due now, with a fresh allowance of attempts.
    func redeliver(id: String, hook: String, now: Double) throws(WebhookError) -> Bool {
        try write("Cannot queue the delivery again") { db in
            try db.execute("UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt = ?, last_error = NULL WHERE id = ? AND hook_id = ?",
                           [now, id, hook]) == 1
        }
    }

    /// The attempts of `hook` (of one delivery when given), newest first.
    func attempts(hook: String, delivery: String?, limit: Int) throws(WebhookError) -> [WebhookAttempt] {
        try read("Cannot read the webhook attempts") { db in
            let columns = "delivery_id, hook_id, number, at, status, latency_ms, error, response"
            let rows = if let delivery {
                try db.rows("SELECT \(columns) FROM webhook_attempts WHERE hook_id = ? AND delivery_id = ? ORDER BY at DESC, number DESC LIMIT ?",
                            [hook, delivery, limit])
            } else {
                try db.rows("SELECT \(columns) FROM webhook_attempts WHERE hook_id = ? ORDER BY at DESC, number DESC LIMIT ?", [hook, limit])
            }
            return rows.map(WebhookAttempt.init(row:))
        }
    }

    /// Removes finished deliveries and attempts older than `before` (seconds since 1970).
    func prune(before: Double) throws(WebhookError) {
        try write("Cannot prune the webhook log") { db in
            _ = try db.execute("DELETE FROM webhook_attempts WHERE at < ?", [before])
            _ = try db.execute("DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < ?", [before])
        }
    }
}
