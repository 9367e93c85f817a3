import FacetStore
import Foundation
import GROQ

/// How far a run has got: reported after every batch.
public struct MigrationProgress: Sendable, Equatable {
    /// Documents looked at so far (of the migration's types, before its filter).
    public var processed: Int
    /// Documents of the migration's types when the run started.
    public var total: Int
    /// Documents changed (or that would change, in a dry run) so far.
    public var changed: Int
}

/// What a run did, or a dry run would do.
public struct MigrationSummary: Sendable, Equatable {
    public var migrationID: String
    public var dryRun: Bool
    /// Documents the types and filter selected.
    public var matched = 0
    /// Documents that change.
    public var changed = 0
    /// Mutations committed (or that would be).
    public var mutations = 0
    /// Transactions committed (0 for a dry run).
    public var transactions = 0
    /// Documents re-read and handled again because another writer changed them meanwhile.
    public var retried = 0
    /// For a dry run with a validator: documents the migration would leave invalid.
    public var invalid: [InvalidDocument] = []

    public var unchanged: Int { matched - changed }

    /// One line: `phone-e164 (dry run): 120 matched, 87 would change, 33 unchanged; 87 mutations`.
    public var text: String {
        let verb = dryRun ? "would change" : "changed"
        var line = "\(migrationID)\(dryRun ? " (dry run)" : ""): \(matched) matched, \(changed) \(verb), \(unchanged) unchanged; "
            + "\(mutations) mutation\(mutations == 1 ? "" : "s")"
        if !dryRun { line += " in \(transactions) transaction\(transactions == 1 ? "" : "s")" }
        if retried > 0 { line += "; \(retried) re-read after a concurrent edit" }
        if !invalid.isEmpty { line += "; \(invalid.count) would fail validation" }
        return line
    }
}

/// Plans and applies a ``Migration`` on a dataset.
///
/// Documents are read page by page in `_id` order from the snapshot the run starts on, so
/// memory holds one batch whatever the dataset's size. Each document is handled at its current
/// revision and its patch is guarded with `ifRevisionID`: when another writer changes it first,
/// the batch is refused whole, the documents are read again and handled again (at most
/// ``maxAttempts`` times). Each batch is one transaction through the mutation pipeline, authored
/// `migration:ID`. The applied record is written after the last batch.
///
/// ```swift
/// let runner = MigrationRunner(migration: migration, dataset: try store.dataset("production"), validator: store.validator)
/// let preview = try runner.plan { change in print(change.diff) }   // writes nothing
/// let summary = try runner.apply(ledger: try MigrationLedger(directory: dir), appliedBy: "ada")
/// ```
public struct MigrationRunner: Sendable {
    public let migration: Migration
    public let dataset: Dataset
    /// Checks the migrated documents in a dry run, and lists every refused document when a batch
    /// fails validation (the store's own validator, usually).
    public var validator: (any DocumentValidating)?
    /// Documents per transaction.
    public var batchSize: Int
    /// How many times a batch is worked out again after revision conflicts before giving up.
    public var maxAttempts: Int

    public init(migration: Migration, dataset: Dataset, validator: (any DocumentValidating)? = nil, batchSize: Int = 100, maxAttempts: Int = 5) {
        self.migration = migration
        self.dataset = dataset
        self.validator = validator
        self.batchSize = max(1, batchSize)
        self.maxAttempts = max(1, maxAttempts)
    }

    /// The dry run: hands each document that would change to `onChange` (with its diff), and
    /// returns the summary. Writes nothing.
    public func plan(onChange: (DocumentOutcome) -> Void = { _ in }, progress: (MigrationProgress) -> Void = { _ in })
        throws(MigrationError) -> MigrationSummary
    {
        var summary = MigrationSummary(migrationID: migration.id, dryRun: true)
        let snapshot = dataset.snapshot
        let migrator = DocumentMigrator(migration: migration, context: MigrationContext(migrationID: migration.id, snapshot: snapshot))
        let filter = try parsedFilter()
        try walk(snapshot) { (page: [JSONValue]) throws(MigrationError) in
            var batch: [DocumentOutcome] = []
            for document in page where try matches(document, filter) {
                summary.matched += 1
                let outcome = try migrator.outcome(for: document) { snapshot.document(id: $0) }
                guard outcome.changesSomething else { continue }
                summary.changed += 1
                summary.mutations += outcome.mutations.count
                onChange(outcome)
                batch.append(outcome)
            }
            summary.invalid += invalidDocuments(batch, among: snapshot.source(.raw))
            return summary.changed
        } progress: { progress($0) }
        return summary
    }

    /// Applies the migration: batched, guarded transactions, then the applied record in
    /// `ledger` (when given).
    ///
    /// - Throws: ``MigrationError`` of kind `validation` listing the refused documents and their
    ///   markers (batches before it stay committed), `conflict` when other writers won every
    ///   retry, `handler` when a handler failed.
    @discardableResult
    public func apply(ledger: MigrationLedger? = nil, appliedBy: String = "unknown", progress: (MigrationProgress) -> Void = { _ in })
        throws(MigrationError) -> MigrationSummary
    {
        var summary = MigrationSummary(migrationID: migration.id, dryRun: false)
        let snapshot = dataset.snapshot
        let migrator = DocumentMigrator(migration: migration, context: MigrationContext(migrationID: migration.id, snapshot: snapshot))
        let filter = try parsedFilter()
        // A migration may rewrite most of a dataset: the indexes are rebuilt once, at the end.
        try dataset.bulkLoad { () throws(MigrationError) in
            try walk(snapshot) { (page: [JSONValue]) throws(MigrationError) in
                let ids = page.compactMap { $0["_id"]?.stringValue }
                var attempt = 1
                while true {
                    // Handle each document as it is now, not as the start snapshot had it.
                    let current = dataset.snapshot
                    var outcomes: [DocumentOutcome] = []
                    var matched = 0
                    for id in ids {
                        guard let document = current.document(id: id), try matches(document, filter) else { continue }
                        matched += 1
                        let outcome = try migrator.outcome(for: document) { current.document(id: $0) }
                        if outcome.changesSomething { outcomes.append(outcome) }
                    }
                    let mutations = outcomes.flatMap(\.mutations)
                    guard !mutations.isEmpty else {
                        summary.matched += matched
                        return summary.changed
                    }
                    do throws(StoreError) {
                        try dataset.mutate(mutations, options: TransactionOptions(author: migration.author, source: "migration"))
                        summary.matched += matched
                        summary.changed += outcomes.count
                        summary.mutations += mutations.count
                        summary.transactions += 1
                        return summary.changed
                    } catch {
                        guard Self.isConflict(error), attempt < maxAttempts else { throw failure(error, outcomes: outcomes, summary: summary) }
                        attempt += 1
                        summary.retried += 1
                    }
                }
            } progress: { progress($0) }
        }
        if let ledger {
            try ledger.record(AppliedMigration(id: migration.id, dataset: dataset.name, title: migration.title,
                                               appliedAt: Self.now(), appliedBy: appliedBy, matched: summary.matched, changed: summary.changed))
        }
        return summary
    }

    /// Walks the snapshot's documents of the migration's types a batch at a time; `body`
    /// returns how many documents changed so far, for the progress report.
    private func walk(_ snapshot: DatasetSnapshot, _ body: ([JSONValue]) throws(MigrationError) -> Int,
                      progress: (MigrationProgress) -> Void) throws(MigrationError)
    {
        let types = migration.documentTypes.isEmpty ? nil : migration.documentTypes
        let total = snapshot.count(ofTypes: types)
        var processed = 0
        var after: String?
        progress(MigrationProgress(processed: 0, total: total, changed: 0))
        while true {
            let page = snapshot.documents(ofTypes: types, after: after, limit: batchSize)
            guard let last = page.last?["_id"]?.stringValue else { break }
            let changed = try body(page)
            processed += page.count
            after = last
            progress(MigrationProgress(processed: processed, total: total, changed: changed))
        }
    }

    private func parsedFilter() throws(MigrationError) -> GROQQuery? {
        guard let filter = migration.filter else { return nil }
        do { return try GROQQuery("*[\(filter)]") } catch {
            throw MigrationError(.definition, message: "The filter of \(migration.id) is not valid GROQ: \(error.formatted)",
                                 advice: "Write a filter expression such as `defined(phone) && segment == \"vip\"`.")
        }
    }

    private func matches(_ document: JSONValue, _ filter: GROQQuery?) throws(MigrationError) -> Bool {
        guard let filter else { return true }
        do {
            let result = try filter.evaluate(in: InMemoryDataset([document]))
            return !(result.arrayValue?.isEmpty ?? true)
        } catch {
            throw MigrationError(.definition, message: "The filter of \(migration.id) failed on \"\(document["_id"]?.stringValue ?? "?")\": \(error.formatted)",
                                 advice: "Fix the filter expression.", documentID: document["_id"]?.stringValue)
        }
    }

    /// A concurrent edit: the guard's revision no longer matches, or the document went away.
    private static func isConflict(_ error: StoreError) -> Bool {
        error.type == "documentRevisionIDDoesNotMatchError" || (error.kind == .notFound && error.documentID != nil)
            || error.type == "concurrentWriteError"
    }

    private func failure(_ error: StoreError, outcomes: [DocumentOutcome], summary: MigrationSummary) -> MigrationError {
        if Self.isConflict(error) {
            return MigrationError(.conflict, message: "Other writers kept changing \"\(error.documentID ?? "documents")\" through \(maxAttempts) attempts",
                                  advice: "Run the migration again when the dataset is quieter; what was committed stays, and nothing is applied twice.",
                                  documentID: error.documentID, committedDocuments: summary.changed)
        }
        if error.type == "validationError" || error.type == "refusedValueError" {
            var invalid = invalidDocuments(outcomes, among: dataset.snapshot.source(.raw))
            if invalid.isEmpty, let id = error.documentID {
                let markers = (error.details["markers"]?.arrayValue ?? []).map { marker in
                    ValidationFinding(path: marker["path"]?.stringValue ?? "", level: marker["level"]?.stringValue ?? "error",
                                      message: marker["message"]?.stringValue ?? error.message)
                }
                let type = outcomes.first { $0.id == id }?.type ?? "?"
                invalid = [InvalidDocument(id: id, type: type, markers: markers.isEmpty ? [ValidationFinding(path: "", level: "error", message: error.message)] : markers)]
            }
            return MigrationError(.validation,
                                  message: "\(migration.id) stopped: \(invalid.count) migrated document\(invalid.count == 1 ? "" : "s") would not validate; "
                                      + "this batch was not written, \(summary.changed) document\(summary.changed == 1 ? " was" : "s were") migrated before it",
                                  advice: "Fix the migration (or the documents listed), then run it again: it continues where it stopped.",
                                  documentID: error.documentID, invalidDocuments: invalid, committedDocuments: summary.changed)
        }
        return MigrationError(.storage, message: "\(migration.id) stopped: the store refused a batch: \(error.message)",
                              advice: error.advice.isEmpty ? "Fix the cause and run the migration again." : error.advice,
                              documentID: error.documentID, committedDocuments: summary.changed)
    }

    /// The outcomes whose resulting documents the store would refuse (error-level markers on a
    /// published document, or a blocking marker anywhere).
    private func invalidDocuments(_ outcomes: [DocumentOutcome], among source: any DocumentSource) -> [InvalidDocument] {
        guard let validator else { return [] }
        let checked = outcomes.filter { $0.after != nil }
        guard !checked.isEmpty else { return [] }
        let findings = validator.findings(forEach: checked.compactMap(\.after), among: source)
        var invalid: [InvalidDocument] = []
        for (outcome, markers) in zip(checked, findings) {
            let published = !outcome.id.hasPrefix("drafts.") && !outcome.id.hasPrefix("versions.")
            let refused = markers.contains { $0.blocking } || markers.contains { $0.path == "_type" && $0.level == "error" }
                || (published && markers.contains { $0.level == "error" })
            if refused { invalid.append(InvalidDocument(id: outcome.id, type: outcome.type, markers: markers.filter { $0.level == "error" })) }
        }
        return invalid
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
