import FacetSchema
import FacetStore
import Foundation
import GROQ
import Synchronization

/// Writes documents an analytics run generated, through the action's mutation pipeline, so that
/// a run replaces the previous run's documents instead of adding to them, and a run that finds
/// nothing new writes nothing.
///
/// A document is compared with its stored version without the system fields and `generatedAt`;
/// only documents whose content changed are written (createOrReplace, stamped with the run's
/// `generatedAt`), in transactions of at most ``batchSize``. Documents under a managed prefix that
/// the run did not generate (a client who no longer has orders) are deleted.
///
/// ```swift
/// let outcome = try await GeneratedDocuments.replace(documents, type: "trendAnalysis", prefixes: ["trend."], context: context)
/// outcome.written   // ids created or changed
/// ```
public enum GeneratedDocuments {
    /// Documents per transaction: large enough to keep commits few, small enough to keep each short.
    public static let batchSize = 1_000
    /// Transactions written in one turn, each worked out while the one before is written; other
    /// writers (an editor saving a client) get their turn between two groups, after about a second.
    public static let batchesPerTurn = 8
    /// From how many writes a run pauses the dataset's background index rebuilds until it is done.
    public static let bulkFrom = 20_000

    /// What a replacement did.
    public struct Outcome: Sendable, Equatable {
        public var written: [String] = []
        public var deleted: [String] = []
        public var unchanged = 0
        public var transactionIDs: [String] = []

        public init() {}

        /// Adds `other`'s counts and ids.
        public mutating func add(_ other: Outcome) {
            written += other.written
            deleted += other.deleted
            unchanged += other.unchanged
            transactionIDs += other.transactionIDs
        }
    }

    /// Fields of a stored document that a run does not decide.
    static let stampFields: Set<String> = ["_rev", "_createdAt", "_updatedAt", "generatedAt"]

    /// Writes the changed `documents` of `type`, and deletes stored ones under `prefixes` that
    /// are not among them. With no prefixes, only the documents' own stored versions are read
    /// (for a run that generates a handful of documents and owns no namespace).
    public static func replace(_ documents: [JSONObject], type: String, prefixes: [String], context: ActionContext,
                               generatedAt: Date = Date(), progress: (@Sendable (Double) -> Void)? = nil) async throws -> Outcome {
        var params: [String: JSONValue] = ["type": .string(type)]
        for (index, prefix) in prefixes.enumerated() { params["prefix\(index)"] = .string(prefix) }
        var conditions = prefixes.indices.map { "string::startsWith(_id, $prefix\($0))" }
        if prefixes.isEmpty {
            params["ids"] = .array(documents.compactMap { $0["_id"] })
            conditions.append("_id in $ids")
        }
        let matches = conditions.joined(separator: " || ")
        let stored = try await context.query("*[_type == $type && (\(matches))]", params: params)
        var existing: [String: JSONObject] = [:]
        for document in stored.arrayValue ?? [] {
            guard let object = document.objectValue, let id = object["_id"]?.stringValue else { continue }
            existing[id] = object.filter { !stampFields.contains($0.key) }
        }
        var outcome = Outcome()
        var mutations: [Mutation] = []
        var generated = Set<String>()
        let stamp = JSONValue.string(AnalyticsDate.dateTime(generatedAt))
        for document in documents {
            guard let id = document["_id"]?.stringValue else { continue }
            generated.insert(id)
            let content = document.filter { !stampFields.contains($0.key) }
            if let previous = existing[id], JSONValue.object(previous) == .object(content) {
                outcome.unchanged += 1
                continue
            }
            var stamped = content
            stamped["generatedAt"] = stamp
            mutations.append(.createOrReplace(stamped))
        }
        let stale = existing.keys.filter { !generated.contains($0) }.sorted()
        if !stale.isEmpty { mutations.append(.delete(.ids(stale))) }
        let write = { [outcome] () async throws -> Outcome in
            var outcome = outcome
            // Batches committed so far, each of `batchSize` mutations but the last.
            let committed = Mutex(0), total = mutations.count
            var start = 0
            while start < total {
                // One turn's batches, cut from the mutations as the turn comes.
                let end = min(total, start + batchSize * batchesPerTurn)
                let group = stride(from: start, to: end, by: batchSize).map { Array(mutations[$0..<min(end, $0 + batchSize)]) }
                let results = try await context.mutateEach(group) { _ in
                    let count = committed.withLock { count in
                        count += 1
                        return count
                    }
                    progress?(Double(min(count * batchSize, total)) / Double(total))
                }
                for result in results {
                    outcome.transactionIDs.append(result.transactionId)
                    for entry in result.results {
                        switch entry.operation {
                        case "delete": outcome.deleted.append(entry.id)
                        case "none": continue
                        default: outcome.written.append(entry.id)
                        }
                    }
                }
                start = end
            }
            return outcome
        }
        // A first run on a large house writes hundreds of thousands of documents: rebuilding the
        // query indexes every few thousand of them would cost more than the writes (queries
        // meanwhile read the growing overlay on the old indexes).
        return mutations.count >= bulkFrom ? try await context.dataset.bulkLoad(write) : try await write()
    }
}
