import FacetStore
import GROQ
import OrderedCollections
import Synchronization

/// An operation an editor runs on one document from the studio ("Recalculate lifetime value" on
/// a customer), declared beside the schema and served at `/v1/actions`.
///
/// An action reads what it needs and writes through ``ActionContext/mutate(_:)``, the one
/// mutation pipeline, so what it writes is validated, versioned and attributed like any edit.
/// To refuse, it throws a `StoreError` (its kind decides the HTTP status: `invalid` 400,
/// `notFound` 404, `conflict` 409).
///
/// ```swift
/// let touch = DocumentAction("touch", title: "Touch", description: "Stamps the document",
///                            types: ["customer"]) { context in
///     let result = try await context.mutate([.patch(try PatchMutation(json: [
///         "id": .string(context.documentID), "set": ["touchedAt": "2026-01-31"],
///     ]))])
///     return ActionResult(message: "Touched", transaction: result)
/// }
/// ```
public struct DocumentAction: Sendable {
    /// What an action does when it runs.
    public typealias Run = @Sendable (ActionContext) async throws -> ActionResult

    /// The action's identifier, part of its URL: letters, digits and `-`.
    public let name: String
    /// The label on the studio's button.
    public let title: String
    /// One sentence the studio shows before the editor confirms.
    public let description: String
    /// The document types (`_type`) the action applies to.
    public let types: [String]
    /// Runs the action; the server calls it only on a document of one of ``types``.
    public let run: Run

    public init(_ name: String, title: String, description: String, types: [String], run: @escaping Run) {
        self.name = name
        self.title = title
        self.description = description
        self.types = types
        self.run = run
    }

    /// Whether the action is offered on documents of `type`.
    public func applies(to type: String) -> Bool { types.contains(type) }

    /// The declaration as the studio reads it: `{"name", "title", "description", "types"}`.
    public var json: JSONValue {
        ["name": .string(name), "title": .string(title), "description": .string(description),
         "types": .array(types.map(JSONValue.string))]
    }
}

/// What an action runs with: the dataset, the document it was started on, the editor's
/// parameters, who started it, and where to report how far it has got.
///
/// Reads and writes go through ``query(_:params:perspective:)`` and ``mutate(_:)``, which run the
/// store's blocking work where the host says (the server keeps it off its event loops) and record
/// the caller as the author of what is written. A long action tells its caller how far it has
/// got through ``progress``.
public struct ActionContext: Sendable {
    /// Runs blocking work somewhere it may block, and returns when it is done.
    public typealias Offload = @Sendable (_ work: @escaping @Sendable () -> Void) async -> Void

    /// The dataset the document lives in.
    public let dataset: Dataset
    /// The published id of the document (`c-1`, never `drafts.c-1`).
    public let documentID: String
    /// The document as the editor sees it: its draft when there is one, else the published one.
    public let document: JSONValue
    /// The parameters the editor gave (an empty object when none).
    public let params: JSONObject
    /// Who runs the action, recorded in history as the author of its writes.
    public let author: String?
    /// Hears the action's stages and the share of the run done: the server streams them to a
    /// caller that asked for events, the command line draws a bar. Ignored unless the host sets it.
    public var progress: ActionProgress
    private let offload: Offload

    public init(dataset: Dataset, documentID: String, document: JSONValue, params: JSONObject = [:], author: String? = nil,
                progress: ActionProgress = .ignored, offload: @escaping Offload = { work in work() })
    {
        self.dataset = dataset
        self.documentID = documentID
        self.document = document
        self.params = params
        self.author = author
        self.progress = progress
        self.offload = offload
    }

    /// The document's `_type`.
    public var documentType: String? { document["_type"]?.stringValue }

    /// Runs `work`, which may block (it reads or writes the store), where the host runs such work.
    public func blocking<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await Self.blocking(work, offload: offload)
    }

    /// Runs `work` through `offload` and hands back what it returned or threw.
    static func blocking<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value, offload: Offload) async throws -> Value {
        let outcome = Outcome<Value>()
        await offload { outcome.set(Result { try work() }) }
        return try outcome.get()
    }

    /// A GROQ query over the dataset's current state; by default only published documents count.
    public func query(_ text: String, params: [String: JSONValue] = [:], perspective: Perspective = .published) async throws -> JSONValue {
        let dataset = self.dataset
        return try await blocking { try dataset.query(text, params: params, perspective: perspective) }
    }

    /// Commits `mutations` as one transaction through the mutation pipeline, authored by ``author``.
    public func mutate(_ mutations: [Mutation]) async throws -> TransactionResult {
        let dataset = self.dataset, options = TransactionOptions(author: author, source: "action")
        return try await blocking { try dataset.mutate(mutations, options: options) }
    }

    /// Commits each of `batches` as a transaction of its own, in order, as ``mutate(_:)`` called
    /// once per batch would, but with the next batch worked out while the one before is written
    /// (``Dataset/mutateEach(_:options:committed:)``): for an action that writes many thousands
    /// of documents. Other writers wait while the batches are written, so a caller hands over a
    /// few at a time. A refused batch throws, with the batches before it committed and none after.
    /// `committed` hears each batch's result as it becomes durable.
    public func mutateEach(_ batches: [[Mutation]], committed: @escaping @Sendable (TransactionResult) -> Void = { _ in }) async throws -> [TransactionResult] {
        let dataset = self.dataset, options = TransactionOptions(author: author, source: "action")
        return try await blocking {
            var next = 0, results: [TransactionResult] = []
            try dataset.mutateEach({ () -> [Mutation]? in
                defer { next += 1 }
                return next < batches.count ? batches[next] : nil
            }, options: options) { result in
                results.append(result)
                committed(result)
            }
            return results
        }
    }
}

/// What an action reports back: the studio shows ``message`` (in the ``tone``), refreshes the
/// documents in ``writtenIDs``, links ``transactionId`` to the history, and may show ``data``.
public struct ActionResult: Sendable, Equatable {
    /// How the studio presents the message.
    public enum Tone: String, Sendable {
        case success, info, warning
    }

    /// One sentence for the editor, e.g. "Lifetime value 1,200.00 → 3,450.00 (4 orders)".
    public var message: String
    public var tone: Tone
    /// The transaction the action committed; `nil` when it wrote nothing.
    public var transactionId: String?
    /// The documents the action wrote.
    public var writtenIDs: [String]
    /// The action's own findings (old and new values, counts), answered as `result`.
    public var data: JSONObject

    public init(message: String, tone: Tone = .success, transactionId: String? = nil, writtenIDs: [String] = [], data: JSONObject = [:]) {
        self.message = message
        self.tone = tone
        self.transactionId = transactionId
        self.writtenIDs = writtenIDs
        self.data = data
    }

    /// A result for a committed transaction: its id, and the documents it changed.
    public init(message: String, tone: Tone = .success, transaction: TransactionResult, data: JSONObject = [:]) {
        self.init(message: message, tone: tone, transactionId: transaction.transactionId,
                  writtenIDs: transaction.results.filter { $0.operation != "none" }.map(\.id), data: data)
    }
}

/// The result of work run elsewhere, handed back to the task that waits for it.
private final class Outcome<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, any Error>?>(nil)

    func set(_ value: Result<Value, any Error>) { result.withLock { $0 = value } }

    func get() throws -> Value {
        guard let value = result.withLock({ $0 }) else {
            throw StoreError(.storage, type: "actionError", message: "The action's work did not run", advice: "Try again.")
        }
        return try value.get()
    }
}
