@testable import GROQ

/// Forwards to an indexed dataset and records the index lookups asked of it, so a plan test knows
/// the index was used, and how, not merely that the answer agreed.
final class RecordingSource: DocumentSource, @unchecked Sendable {
    let inner: InMemoryDataset
    private(set) var lookups: [IndexLookup] = []
    init(_ inner: InMemoryDataset) { self.inner = inner }
    var documents: [JSONValue] { inner.documents }
    func document(id: String) -> JSONValue? { inner.document(id: id) }
    func documents(ofType type: String) -> [JSONValue]? { inner.documents(ofType: type) }
    func documents(referencing id: String) -> [JSONValue]? { inner.documents(referencing: id) }
    func documents(answering lookup: IndexLookup) -> [JSONValue]? {
        lookups.append(lookup)
        return inner.documents(answering: lookup)
    }
}

/// Every document and no index at all: what the plain evaluator gives.
final class ScanSource: CheckedScanSource, EvaluatedByScan, @unchecked Sendable {}

/// Numbers from a seed, so that a failing random plan test fails again the same way.
struct SeededNumbers {
    var state: UInt64
    /// A number in `0..<bound`.
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}

/// Every document and no index, scanned as an unindexed store scans: field conditions checked
/// straight from each document, the rest evaluated.
class CheckedScanSource: DocumentSource, @unchecked Sendable {
    let documents: [JSONValue]
    init(_ documents: [JSONValue]) { self.documents = documents }
    func document(id: String) -> JSONValue? { documents.first { $0["_id"] == .string(id) } }
    func documents(ofType type: String) -> [JSONValue]? { nil }
    func documents(referencing id: String) -> [JSONValue]? { nil }
}
