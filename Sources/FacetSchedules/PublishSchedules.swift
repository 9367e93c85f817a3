import FacetStore
import Foundation
import GROQ

/// Scheduled publishing: documents published or unpublished at a time, once, by whichever
/// server holds the `schedules` lease.
///
/// A due schedule is first taken (`scheduled` → `running`, one row changed, so two servers never
/// both take it), then carried out as one transaction whose id was chosen when it was
/// scheduled. A server that dies after that commit and before recording `done` leaves it
/// `running`; the next look carries it out again, the store refuses the reused transaction id,
/// and the schedule is recorded done without a second publish.
///
/// ```swift
/// let schedules = try PublishSchedules(store: store, records: records)
/// let plan = try schedules.schedule(dataset: "production", documentID: "c-1", action: .publish,
///                                   at: Date().addingTimeInterval(3600), by: "ada")
/// Task { await schedules.run() }
/// ```
public final class PublishSchedules: Sendable {
    public let store: DocumentStore
    let records: any RelationalDatabase
    private let clock: @Sendable () -> Double

    static let tables = [
        TableStep("publish schedules", sqlite: ["""
            CREATE TABLE publish_schedules (
                id TEXT PRIMARY KEY, dataset TEXT NOT NULL, document_id TEXT NOT NULL, action TEXT NOT NULL, due_at REAL NOT NULL,
                state TEXT NOT NULL, created_by TEXT, created_at REAL NOT NULL, outcome TEXT, transaction_id TEXT NOT NULL,
                executed_at REAL, taken_at REAL)
            """, "CREATE INDEX publish_schedules_due ON publish_schedules (state, due_at)",
            "CREATE INDEX publish_schedules_dataset ON publish_schedules (dataset, due_at)",
        ], postgres: ["""
            CREATE TABLE publish_schedules (
                id text PRIMARY KEY, dataset text NOT NULL, document_id text NOT NULL, action text NOT NULL,
                due_at double precision NOT NULL, state text NOT NULL, created_by text, created_at double precision NOT NULL,
                outcome text, transaction_id text NOT NULL, executed_at double precision, taken_at double precision)
            """, "CREATE INDEX publish_schedules_due ON publish_schedules (state, due_at)",
            "CREATE INDEX publish_schedules_dataset ON publish_schedules (dataset, due_at)",
        ]),
    ]

    static let columns = "id, dataset, document_id, action, due_at, state, created_by, created_at, outcome, transaction_id, executed_at"

    public init(store: DocumentStore, records: any RelationalDatabase,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws(ScheduleError)
    {
        self.store = store
        self.records = records
        self.clock = clock
        do { try records.migrate(Self.tables) } catch {
            throw ScheduleError.records(error, doing: "Cannot open the publish schedules in \(records.location)")
        }
    }

    private func write<T>(_ what: String, _ body: (any RelationalTransaction) throws -> T) throws(ScheduleError) -> T {
        do { return try records.write(body) } catch { throw ScheduleError.records(error, doing: what) }
    }

    private func read<T>(_ what: String, _ body: (any RelationalTransaction) throws -> T) throws(ScheduleError) -> T {
        do { return try records.read(body) } catch { throw ScheduleError.records(error, doing: what) }
    }

    // MARK: Planning

    /// Plans `action` on `documentID` at `date`. `options` are the caller's (author, role's
    /// write check): the action is tried now as a dry run with them, so a caller who may not
    /// publish the document, or a document with nothing to publish, is refused at once.
    public func schedule(dataset name: String, documentID: String, action: PublishSchedule.Action, at date: Date, by author: String?,
                         options: TransactionOptions = TransactionOptions()) throws(ScheduleError) -> PublishSchedule
    {
        let now = clock()
        let at = date.timeIntervalSince1970
        guard at > now - 60 else {
            throw ScheduleError(.invalid, "\(Timestamp.string(date)) has passed", advice: "Give a time in the future, or publish now.")
        }
        guard at < now + 5 * 366 * 86_400 else {
            throw ScheduleError(.invalid, "\(Timestamp.string(date)) is more than five years away", advice: "Give a nearer time.")
        }
        let publishedID = DocumentID.published(of: documentID)
        let dataset: Dataset
        do {
            try DocumentID.validate(publishedID)
            dataset = try store.dataset(name, create: false)
        } catch {
            throw ScheduleError(error.kind == .unavailable ? .unavailable : (error.kind == .invalid ? .invalid : .notFound), error.message,
                                advice: error.advice.isEmpty ? nil : error.advice)
        }
        var trial = options
        trial.dryRun = true
        do {
            do { try dataset.perform([Self.draftAction(action, publishedID)], options: trial) } catch where error.kind == .notFound {
                // A dry run reads this server's copy, which may not have caught up yet with a draft
                // written through another server a moment ago: catch up, then look again.
                try dataset.refresh()
                try dataset.perform([Self.draftAction(action, publishedID)], options: trial)
            }
        } catch {
            switch error.kind {
            case .forbidden: throw ScheduleError(.forbidden, error.message, advice: "Ask someone who may \(action.rawValue) it.")
            case .notFound: throw ScheduleError(.notFound, error.message, advice: error.advice.isEmpty ? nil : error.advice)
            // A draft that breaks the schema now may be fixed by its time: it is checked again then.
            case .invalid where error.type == "validationError": break
            case .conflict: break
            default: throw ScheduleError(.invalid, error.message, advice: error.advice.isEmpty ? nil : error.advice)
            }
        }
        let schedule = PublishSchedule(dataset: name, documentID: publishedID, action: action, at: at, createdBy: author, now: now)
        try write("Cannot save the schedule") { db in
            _ = try db.execute("""
                INSERT INTO publish_schedules (id, dataset, document_id, action, due_at, state, created_by, created_at, transaction_id)
                VALUES (?, ?, ?, ?, ?, 'scheduled', ?, ?, ?)
                """, [schedule.id, name, publishedID, action.rawValue, at, author, now, schedule.transactionID])
        }
        return schedule
    }

    /// The schedules of `dataset` (of one document when given), soonest first.
    public func list(dataset: String, documentID: String? = nil, state: PublishSchedule.State? = nil, limit: Int = 200) throws(ScheduleError) -> [PublishSchedule] {
        try read("Cannot read the schedules") { db in
            var sql = "SELECT \(Self.columns) FROM publish_schedules WHERE dataset = ?"
            var arguments: [any SQLColumnValue] = [dataset]
            if let documentID {
                sql += " AND document_id = ?"
                arguments.append(DocumentID.published(of: documentID))
            }
            if let state {
                sql += " AND state = ?"
                arguments.append(state.rawValue)
            }
            arguments.append(limit)
            return try db.rows(sql + " ORDER BY due_at, id LIMIT ?", arguments).map(PublishSchedule.init(row:))
        }
    }

    public func schedule(id: String, dataset: String) throws(ScheduleError) -> PublishSchedule {
        let found = try read("Cannot read the schedule") { db in
            try db.row("SELECT \(Self.columns) FROM publish_schedules WHERE id = ? AND dataset = ?", [id, dataset]).map(PublishSchedule.init(row:))
        }
        guard let found else { throw ScheduleError(.notFound, "No schedule \(id) in dataset \(dataset)") }
        return found
    }

    /// Withdraws a schedule that has not run.
    public func cancel(id: String, dataset: String, by author: String?) throws(ScheduleError) -> PublishSchedule {
        let changed = try write("Cannot cancel the schedule") { db in
            try db.execute("UPDATE publish_schedules SET state = 'cancelled', outcome = ? WHERE id = ? AND dataset = ? AND state = 'scheduled'",
                           ["Cancelled by \(author ?? "an editor")", id, dataset])
        }
        let schedule = try schedule(id: id, dataset: dataset)
        guard changed == 1 else {
            throw ScheduleError(.conflict, "Schedule \(id) is \(schedule.state.rawValue), so it cannot be cancelled",
                                advice: "Only a schedule still waiting for its time can be cancelled.")
        }
        return schedule
    }

    // MARK: Carrying out

    /// Carries out every schedule due by now (and any a dead server left running for more than
    /// `stale` seconds), each once; returns them as they ended.
    @discardableResult
    public func runDue(stale: Double = 120) throws(ScheduleError) -> [PublishSchedule] {
        let now = clock()
        let due = try read("Cannot read the schedules") { db in
            try db.rows("""
                SELECT \(Self.columns) FROM publish_schedules
                WHERE (state = 'scheduled' AND due_at <= ?) OR (state = 'running' AND taken_at < ?) ORDER BY due_at LIMIT 100
                """, [now, now - stale]).map(PublishSchedule.init(row:))
        }
        var finished: [PublishSchedule] = []
        for var schedule in due {
            // Taken by one server only: the row changes for whoever updates it first.
            let taken = try write("Cannot take the schedule") { db in
                try db.execute("UPDATE publish_schedules SET state = 'running', taken_at = ? WHERE id = ? AND (state = 'scheduled' OR (state = 'running' AND taken_at < ?))",
                               [now, schedule.id, now - stale])
            }
            guard taken == 1 else { continue }
            (schedule.state, schedule.outcome) = carryOut(schedule)
            schedule.executedAt = clock()
            let ended = schedule
            try write("Cannot record the schedule's outcome") { db in
                _ = try db.execute("UPDATE publish_schedules SET state = ?, outcome = ?, executed_at = ? WHERE id = ?",
                                   [ended.state.rawValue, ended.outcome, ended.executedAt, ended.id])
            }
            finished.append(schedule)
        }
        return finished
    }

    /// The author the scheduler writes as, on behalf of who scheduled.
    public static func author(for schedule: PublishSchedule) -> String {
        "scheduler" + (schedule.createdBy.map { " for \($0)" } ?? "")
    }

    private func carryOut(_ schedule: PublishSchedule) -> (PublishSchedule.State, String) {
        var options = TransactionOptions(transactionId: schedule.transactionID, author: Self.author(for: schedule), source: "schedule")
        options.returnIds = false
        do {
            let dataset = try store.dataset(schedule.dataset, create: false)
            try dataset.perform([Self.draftAction(schedule.action, schedule.documentID)], options: options)
            return (.done, schedule.action == .publish ? "Published" : "Unpublished")
        } catch {
            // Its transaction is there: a server carried it out and died before recording it.
            if error.type == "transactionIdConflictError" {
                return (.done, "\(schedule.action == .publish ? "Published" : "Unpublished") (recorded after a restart)")
            }
            if error.type == "validationError" {
                let markers = (error.details["markers"]?.arrayValue ?? []).compactMap { marker -> String? in
                    guard let message = marker["message"]?.stringValue else { return nil }
                    return (marker["path"]?.stringValue).map { "\($0): \(message)" } ?? message
                }
                return (.failed, "Not published: the draft breaks the schema (\(markers.isEmpty ? error.message : markers.joined(separator: "; ")))")
            }
            return (.failed, "Not \(schedule.action == .publish ? "published" : "unpublished"): \(error.message)")
        }
    }

    static func draftAction(_ action: PublishSchedule.Action, _ publishedID: String) -> DraftAction {
        switch action {
        case .publish: .publish(draftID: DocumentID.draft(of: publishedID), publishedID: publishedID, ifDraftRevisionID: nil, ifPublishedRevisionID: nil)
        case .unpublish: .unpublish(draftID: DocumentID.draft(of: publishedID), publishedID: publishedID)
        }
    }

    /// Looks for due schedules every `interval` until cancelled, where `lease` is held (always
    /// when `nil`); `executed` hears of each one carried out or failed (to log and audit it).
    public func run(every interval: Duration = .seconds(5), lease: HeldLease? = nil,
                    executed: @escaping @Sendable (PublishSchedule) -> Void = { _ in }) async {
        let keeping = lease.map { lease in Task { await lease.keep() } }
        defer { keeping?.cancel() }
        let lane = BlockingLane("facet.schedules")
        while !Task.isCancelled {
            if lease?.isHeld ?? true {
                // The records and the store block: off Swift's shared task threads.
                let finished = await lane.run { (try? self.runDue()) ?? [] }
                for schedule in finished { executed(schedule) }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
