import Foundation
import GROQ
import OrderedCollections

/// How an import treats documents whose `_id` already exists.
public enum ImportMode: String, Sendable, CaseIterable {
    /// An existing id is an error.
    case create
    /// An existing document is replaced.
    case createOrReplace
    /// An existing document is kept.
    case createIfNotExists
}

/// How an NDJSON import runs.
public struct ImportOptions: Sendable {
    /// What happens to documents whose `_id` exists.
    public var mode: ImportMode = .create
    /// Skip bad lines (reported with their line numbers) and import the rest; without it, one
    /// bad line means nothing is imported.
    public var allowFailing = false
    /// Documents per transaction in history. The whole import commits as one unit whatever the
    /// batch size; batches only keep each history record to a readable size.
    public var batchSize = 1_000
    /// Recorded as the author of the import's transactions.
    public var author: String? = "import"

    public init(mode: ImportMode = .create, allowFailing: Bool = false, batchSize: Int = 1_000, author: String? = "import") {
        self.mode = mode
        self.allowFailing = allowFailing
        self.batchSize = batchSize
        self.author = author
    }
}

/// A line an import could not take, and why.
public struct ImportFailure: Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number in the file.
    public var line: Int
    public var documentID: String?
    public var message: String

    public var description: String {
        "line \(line)" + (documentID.map { " (\($0))" } ?? "") + ": " + message
    }
}

/// How far an import has got, for a progress line.
public struct ImportProgress: Sendable {
    /// `checking` (the first pass) or `importing` (the second).
    public var phase: String
    /// Documents checked or imported so far.
    public var documents: Int
    /// Documents to import in all, once the first pass knows.
    public var total: Int?
}

/// What an import did.
public struct ImportReport: Sendable {
    /// Documents created or replaced (kept ones, with `createIfNotExists`, are not counted).
    public var imported = 0
    /// The lines skipped with `allowFailing`, in line order.
    public var failures: [ImportFailure] = []
    /// Transactions committed.
    public var transactions = 0
    /// Wall-clock time of the whole import, both passes and the index build.
    public var seconds = 0.0

    public init() {}
}

extension Dataset {
    /// Imports an NDJSON file of any size (Sanity's export format).
    ///
    /// A first pass reads every line and checks it (JSON, `_id`, `_type`, limits, existing ids in
    /// `create` mode, and strong references against the file and the dataset, once, before
    /// anything is written). Without `allowFailing`, any problem throws with every bad line
    /// listed and nothing is imported; with it, bad lines (and lines that strongly reference
    /// them) are skipped and reported. The second pass writes documents in batches, one history
    /// transaction each, and commits them all at once: a failure or a crash (even `kill -9`)
    /// midway leaves the dataset exactly as it was. Other writers wait for the import to finish.
    public func importNDJSON(path: String, options: ImportOptions = ImportOptions(),
                             progress: (@Sendable (ImportProgress) -> Void)? = nil) throws(StoreError) -> ImportReport
    {
        let started = Date()
        var report = ImportReport()
        guard options.batchSize > 0 else {
            throw StoreError.invalid("The batch size must be at least 1, found \(options.batchSize)", advice: "Give --batch-size 1000, say.")
        }
        let snapshot = self.snapshot
        // The schema's verdict in pass 1 too, so that a document it refuses stops the import
        // before anything is written; in batches, so that rules such as `unique` prepare once
        // per batch. (Uniqueness among the file's own documents is checked as batches commit.)
        let existing = snapshot.source(.raw)
        var unvalidated: [(line: Int, id: String, document: JSONValue)] = []
        func validate(_ pending: inout [(line: Int, id: String, document: JSONValue)], into failures: inout [Int: ImportFailure]) {
            guard let validator, !pending.isEmpty else { return }
            let verdicts = validator.findings(forEach: pending.map(\.document), among: existing)
            for (entry, findings) in zip(pending, verdicts) {
                if let refusal = ValidationFinding.refusal(of: entry.id, findings) {
                    failures[entry.line] = ImportFailure(line: entry.line, documentID: entry.id, message: refusal.message)
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        // Pass 1: check every line.
        var failures: [Int: ImportFailure] = [:]
        var lineOfID: [String: Int] = [:]
        var referencesByLine: [Int: (id: String, targets: Set<String>)] = [:]
        var count = 0
        var reader = try openReader(path)
        while true {
            var document: JSONValue
            do {
                guard let next = try reader.next() else { break }
                document = next
            } catch {
                let line = reader.currentLine
                failures[line] = ImportFailure(line: line, documentID: nil, message: "malformed JSON: \(error.message)")
                continue
            }
            let line = reader.currentLine
            count += 1
            if count % 10_000 == 0 { progress?(ImportProgress(phase: "checking", documents: count, total: nil)) }
            guard case .object(let object) = document else {
                failures[line] = ImportFailure(line: line, documentID: nil, message: "a document must be an object, found \(document.typeName)")
                continue
            }
            guard case .string(let id)? = object["_id"] else {
                failures[line] = ImportFailure(line: line, documentID: nil, message: "the document has no _id (a string)")
                continue
            }
            // An export of a dataset with field encryption holds envelopes: they are opened
            // here, so that validation and the pipeline see the values; one made for another
            // document or dataset does not open.
            if let sealing {
                do {
                    document = try sealing.unseal(document, dataset: name)
                } catch {
                    failures[line] = ImportFailure(line: line, documentID: id, message: error.message
                        + " (an export's encrypted values open only in the dataset and document they were exported from)")
                    continue
                }
            }
            do throws(StoreError) {
                try DocumentID.validate(id)
                guard case .string(let type)? = object["_type"], !type.isEmpty else {
                    throw StoreError.invalid("the document has no _type (a non-empty string)", advice: "")
                }
                try limits.check(document, id: id)
            } catch {
                failures[line] = ImportFailure(line: line, documentID: id, message: error.message)
                continue
            }
            if let earlier = lineOfID[id] {
                failures[line] = ImportFailure(line: line, documentID: id, message: "_id \"\(id)\" appears already on line \(earlier)")
                continue
            }
            if options.mode == .create, snapshot.document(id: id) != nil {
                failures[line] = ImportFailure(line: line, documentID: id,
                                               message: "document \"\(id)\" already exists (use --replace or --missing to import over it)")
                continue
            }
            lineOfID[id] = line
            let targets = ReferenceScan.strongTargets(in: document)
            if !targets.isEmpty { referencesByLine[line] = (id, targets) }
            if validator != nil {
                unvalidated.append((line, id, document))
                if unvalidated.count >= 1000 { validate(&unvalidated, into: &failures) }
            }
        }
        validate(&unvalidated, into: &failures)
        // Strong references: to a document in the file that is being imported, or in the dataset.
        var changed = true
        while changed {
            changed = false
            for (line, entry) in referencesByLine where failures[line] == nil {
                for target in entry.targets.sorted() {
                    let inFile = lineOfID[target].map { failures[$0] == nil } ?? false
                    if !inFile, snapshot.document(id: target) == nil {
                        failures[line] = ImportFailure(line: line, documentID: entry.id, message: "references non-existent document \"\(target)\"")
                        changed = true
                        break
                    }
                }
            }
        }
        report.failures = failures.values.sorted { $0.line < $1.line }
        if !report.failures.isEmpty, !options.allowFailing {
            let shown = report.failures.prefix(10).map(\.description).joined(separator: "\n  ")
            throw StoreError(.invalid, type: "importError",
                             message: "\(report.failures.count) of \(reader.currentLine) lines cannot be imported; nothing was imported:\n  \(shown)"
                                + (report.failures.count > 10 ? "\n  …" : ""),
                             advice: "Fix those lines, or pass --allow-failing to import the others.")
        }
        // Pass 2: commit in batches.
        let total = lineOfID.count - lineOfID.values.count { failures[$0] != nil }
        var transactionOptions = TransactionOptions(author: options.author, source: "import")
        transactionOptions.checkReferences = false
        // Reading and parsing run on a second thread while this one commits: the two halves
        // take similar time, so a two-core machine imports nearly twice as fast.
        let pipe = BatchPipe(capacity: 4)
        let mode = options.mode, batchSize = options.batchSize
        let skipped = failures
        let depth = limits.maxDepth + 1
        let keptLines = lineOfID
        let sealing = self.sealing, name = self.name
        let producer = Thread {
            // Pass 1 read this file a moment ago; should it vanish since, nothing more is imported.
            guard var reader = try? NDJSONReader(path: path, maxDepth: depth) else {
                pipe.finish()
                return
            }
            var batch: [Mutation] = []
            batch.reserveCapacity(batchSize)
            while true {
                var next: JSONValue?
                do { next = try reader.next() } catch { continue }
                if let sealing, let sealed = next {
                    do { next = try sealing.unseal(sealed, dataset: name) } catch { continue }
                }
                guard case .object(let object)? = next else {
                    if next == nil { break } else { continue }
                }
                let line = reader.currentLine
                guard skipped[line] == nil, let id = object["_id"]?.stringValue, keptLines[id] == line else { continue }
                switch mode {
                case .create: batch.append(.create(object))
                case .createOrReplace: batch.append(.createOrReplace(object))
                case .createIfNotExists: batch.append(.createIfNotExists(object))
                }
                if batch.count >= batchSize {
                    guard pipe.put(batch) else { return }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { _ = pipe.put(batch) }
            pipe.finish()
        }
        producer.start()
        defer { pipe.cancel() }
        // Every batch is a transaction of its own in history, but they commit as one unit: an
        // import that fails or is killed midway leaves the dataset as it was.
        try bulkLoad { () throws(StoreError) in
            try commitAll({ pipe.take() }, options: transactionOptions) { result in
                report.imported += result.results.count { $0.operation != "none" }
                if result.sequence != nil { report.transactions += 1 }
                progress?(ImportProgress(phase: "importing", documents: report.imported, total: total))
            }
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Opens the file for the checking pass; the importing pass reopens it the same way.
    private func openReader(_ path: String) throws(StoreError) -> NDJSONReader {
        do { return try NDJSONReader(path: path, maxDepth: limits.maxDepth + 1) } catch {
            throw StoreError(.invalid, type: "importError", message: "Cannot read \(path): \(error.message)", advice: "Check the path.")
        }
    }
}

/// A bounded hand-over of batches from the reading thread to the committing one.
private final class BatchPipe: @unchecked Sendable {
    private let lock = NSCondition()
    private var queue: [[Mutation]] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Waits for room; false when the consumer has gone.
    func put(_ batch: [Mutation]) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        while queue.count >= capacity && !cancelled { lock.wait() }
        guard !cancelled else { return false }
        queue.append(batch)
        lock.broadcast()
        return true
    }

    func finish() {
        lock.lock()
        finished = true
        lock.broadcast()
        lock.unlock()
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.broadcast()
        lock.unlock()
    }

    /// The next batch, or nil when the producer is done.
    func take() -> [Mutation]? {
        lock.lock()
        defer { lock.unlock() }
        while queue.isEmpty && !finished { lock.wait() }
        guard !queue.isEmpty else { return nil }
        lock.broadcast()
        return queue.removeFirst()
    }
}
