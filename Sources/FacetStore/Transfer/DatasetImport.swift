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
    public var mode: ImportMode = .create
    /// Skip bad lines (reported with their line numbers) and import the rest; without it, one
    /// bad line means nothing is imported.
    public var allowFailing = false
    /// Documents per transaction.
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
    public var phase: String
    public var documents: Int
    public var total: Int?
}

/// What an import did.
public struct ImportReport: Sendable {
    public var imported = 0
    public var failures: [ImportFailure] = []
    public var transactions = 0
    public var seconds = 0.0
}

extension Dataset {
    /// Imports an NDJSON file of any size (Sanity's export format).
    ///
    /// A first pass reads every line and checks it (JSON, `_id`, `_type`, limits, existing ids in
    /// `create` mode, and strong references against the file and the dataset, once, before
    /// anything is written). Without `allowFailing`, any problem throws with every bad line
    /// listed and nothing is imported; with it, bad lines (and lines that strongly reference
    /// them) are skipped and reported. The second pass commits documents in batches.
    public func importNDJSON(path: String, options: ImportOptions = ImportOptions(),
                             progress: (@Sendable (ImportProgress) -> Void)? = nil) throws(StoreError) -> ImportReport
    {
        let started = Date()
        var report = ImportReport()
        guard options.batchSize > 0 else {
            throw StoreError.invalid("The batch size must be at least 1, found \(options.batchSize)", advice: "Give --batch-size 1000, say.")
        }
        let snapshot = self.snapshot
        // Pass 1: check every line.
        var failures: [Int: ImportFailure] = [:]
        var lineOfID: [String: Int] = [:]
        var referencesByLine: [Int: Set<String>] = [:]
        var count = 0
        var reader = try openReader(path)
        while true {
            let document: JSONValue
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
            if !targets.isEmpty { referencesByLine[line] = targets }
        }
        // Strong references: to a document in the file that is being imported, or in the dataset.
        var changed = true
        while changed {
            changed = false
            for (line, targets) in referencesByLine where failures[line] == nil {
                for target in targets.sorted() {
                    let inFile = lineOfID[target].map { failures[$0] == nil } ?? false
                    if !inFile, snapshot.document(id: target) == nil {
                        let id = lineOfID.first { $0.value == line }?.key
                        failures[line] = ImportFailure(line: line, documentID: id, message: "references non-existent document \"\(target)\"")
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
        var transactionOptions = TransactionOptions(author: options.author)
        transactionOptions.checkReferences = false
        reader = try openReader(path)
        var batch: [Mutation] = []
        func commit() throws(StoreError) {
            guard !batch.isEmpty else { return }
            try mutate(batch, options: transactionOptions)
            report.imported += batch.count
            report.transactions += 1
            batch.removeAll(keepingCapacity: true)
            progress?(ImportProgress(phase: "importing", documents: report.imported, total: total))
        }
        while true {
            let next: JSONValue?
            do { next = try reader.next() } catch { continue }
            guard case .object(let object)? = next else {
                if next == nil { break } else { continue }
            }
            let line = reader.currentLine
            guard failures[line] == nil, let id = object["_id"]?.stringValue, lineOfID[id] == line else { continue }
            switch options.mode {
            case .create: batch.append(.create(object))
            case .createOrReplace: batch.append(.createOrReplace(object))
            case .createIfNotExists: batch.append(.createIfNotExists(object))
            }
            if batch.count >= options.batchSize { try commit() }
        }
        try commit()
        compact()
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    private func openReader(_ path: String) throws(StoreError) -> NDJSONReader {
        do { return try NDJSONReader(path: path, maxDepth: limits.maxDepth + 1) } catch {
            throw StoreError(.invalid, type: "importError", message: "Cannot read \(path): \(error.message)", advice: "Check the path.")
        }
    }
}
