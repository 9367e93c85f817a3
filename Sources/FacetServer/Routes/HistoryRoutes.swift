import FacetStore
import GROQ
import HTTPTypes
import Hummingbird
import NIOCore

/// Sanity's history API:
///
/// - `GET /v1/data/history/:dataset/documents/:ids` with exactly one of `revision=<_rev>`,
///   `time=<ISO 8601>` or `lastRevision=true` → `{"documents": [...]}`, the documents as they
///   were (one that did not exist then is left out; an unknown revision is a 404).
/// - `GET /v1/data/history/:dataset/transactions/:ids` → NDJSON, one line per transaction that
///   touched any of the documents: `{"id", "timestamp", "author", "documentIDs", "mutations",
///   "revisions"}`, with `effectFormat=mendoza` also `"effects": {"<id>": {"apply", "revert"}}`
///   (``MendozaPatch``: from each document's previous state to the next and back); filtered by
///   `fromTime`, `toTime`, `fromTransaction`, `toTransaction` (inclusive), `authors`, trimmed by
///   `excludeMutations` and `includeIdentifiedDocumentsOnly`, ordered by `reverse` and cut at
///   `limit`. `excludeContent` is accepted and trims nothing: Sanity's own clients send
///   `excludeContent=true` and still read `mutations` and `effects` from the lines.
///
/// Both read history opened: a caller cleared for the sensitive fields gets their values, and
/// never an encrypted envelope; any other caller sees what the query route would show them of
/// each state (hidden documents left out, uncleared fields removed, from the documents, the
/// effects and the mutations alike).
extension FacetAPI {
    func addHistoryRoutes(to version: RouterGroup<FacetRequestContext>) {
        let history = group(version, "data/history", .read)
        history.get(":dataset/documents/:ids") { request, context in
            let dataset = try dataset(context)
            let ids = try context.documentIDs()
            let point = try Self.revisionPoint(request)
            let visibility = visibility(context)
            let documents = try await workers.run(for: caller(context)) {
                var documents: [JSONValue] = []
                for id in ids {
                    do throws(StoreError) {
                        if let document = try dataset.document(id: id, at: point), let shown = visibility.map({ $0.present(document) }) ?? document {
                            documents.append(shown)
                        }
                    } catch { throw APIError.store(error) }
                }
                return documents
            }
            return JSONBody.response(["documents": .array(documents)])
        }
        history.get(":dataset/transactions/:ids") { request, context in
            let dataset = try dataset(context)
            let ids = try context.documentIDs()
            let withEffects = try Self.wantsEffects(request)
            let filter = HistoryFilter(
                fromTime: request.option("fromTime"), toTime: request.option("toTime"),
                fromTransaction: request.option("fromTransaction"), toTransaction: request.option("toTransaction"),
                authors: request.list("authors"), reverse: try request.flag("reverse") ?? false, limit: try request.integer("limit"))
            // Checked like every flag, though it trims nothing (see above).
            _ = try request.flag("excludeContent")
            let excludeMutations = try request.flag("excludeMutations") ?? false
            let identifiedOnly = try request.flag("includeIdentifiedDocumentsOnly") ?? false
            let visibility = visibility(context)
            let asked = Set(ids)
            let lines = try await workers.run(for: caller(context)) {
                let transactions: [CommittedTransaction]
                let previous: [[JSONValue?]]?
                do throws(StoreError) {
                    transactions = try dataset.transactions(documentIDs: ids, filter: filter)
                    previous = withEffects ? try dataset.previousStates(of: transactions) : nil
                } catch { throw APIError.store(error) }
                return transactions.indices.compactMap { index -> JSONValue? in
                    guard let line = Self.historyLine(transactions[index], previous: previous?[index], through: visibility,
                                                      excludeMutations: excludeMutations) else { return nil }
                    return identifiedOnly ? Self.keeping(asked, in: line) : line
                }
            }
            return NDJSONBody.response(lines)
        }
    }

    /// `effectFormat=mendoza` asks for effects; no other format exists.
    static func wantsEffects(_ request: Request) throws -> Bool {
        guard let format = request.option("effectFormat") else { return false }
        guard format == "mendoza" else {
            throw APIError.badRequest("effectFormat \"\(format)\" is not supported: the one effect format is \"mendoza\"", type: "invalidRequest")
        }
        return true
    }

    /// One transaction's line as `visibility` shows it, with effects from the states in
    /// `previous` (one per effect) when given; `nil` when the caller may see nothing of it.
    ///
    /// A restricted caller sees only the documents it may read, as it may read them (a
    /// deletion, whose type history no longer holds, only unrestricted callers see), and of the
    /// mutations those that write only what it sees (``DocumentVisibility/present(mutation:documents:)``).
    static func historyLine(_ transaction: CommittedTransaction, previous: [JSONValue?]?, through visibility: (any DocumentVisibility)?,
                            excludeMutations: Bool) -> JSONValue?
    {
        var shown = transaction
        var before: [JSONValue?] = []
        if let visibility {
            shown.effects = []
            for (index, effect) in transaction.effects.enumerated() {
                guard let document = effect.document, let presented = visibility.present(document) else { continue }
                var effect = effect
                effect.document = presented
                shown.effects.append(effect)
                before.append(previous?[index].flatMap(visibility.present))
            }
            if shown.effects.isEmpty { return nil }
            if !excludeMutations { shown.mutations = visibility.presentMutations(of: transaction) }
        } else {
            before = previous ?? []
        }
        var effects: JSONObject?
        if previous != nil {
            effects = [:]
            for (effect, state) in zip(shown.effects, before) {
                effects?[effect.documentID] = MendozaPatch.effect(from: state, to: effect.document)
            }
        }
        return shown.historyJSON(excludeMutations: excludeMutations, effects: effects)
    }

    /// The one point in time the request names; 400 when it names none or several.
    static func revisionPoint(_ request: Request) throws -> RevisionPoint {
        var points: [RevisionPoint] = []
        if let revision = request.option("revision") { points.append(.revision(revision)) }
        if let time = request.option("time") { points.append(.time(time)) }
        if try request.flag("lastRevision") == true { points.append(.lastRevision) }
        guard points.count == 1 else {
            throw APIError.badRequest(
                points.isEmpty ? "Say which state to read: revision=<_rev>, time=<ISO 8601> or lastRevision=true"
                    : "Give only one of revision, time and lastRevision",
                type: "invalidRequest")
        }
        return points[0]
    }

    /// A history line narrowed to the documents the request named.
    static func keeping(_ ids: Set<String>, in line: JSONValue) -> JSONValue {
        guard case .object(var object) = line else { return line }
        if case .array(let listed)? = object["documentIDs"] {
            object["documentIDs"] = .array(listed.filter { $0.stringValue.map(ids.contains) ?? false })
        }
        for member in ["revisions", "effects"] {
            if case .object(let documents)? = object[member] {
                object[member] = .object(documents.filter { ids.contains($0.key) })
            }
        }
        return .object(object)
    }
}

/// Newline-delimited JSON responses (`application/x-ndjson`), written in chunks as the lines are
/// serialised rather than as one buffer.
enum NDJSONBody {
    static let contentType = "application/x-ndjson"
    /// How many bytes are gathered before a write: large enough to keep writes few, small enough
    /// to keep memory flat.
    static let chunkSize = 64 * 1024

    static func response(_ lines: [JSONValue]) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody { writer in
            var chunk: [UInt8] = []
            chunk.reserveCapacity(chunkSize + 4096)
            for line in lines {
                line.write(to: &chunk)
                chunk.append(0x0A)
                if chunk.count >= chunkSize {
                    try await writer.write(ByteBuffer(bytes: chunk))
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty { try await writer.write(ByteBuffer(bytes: chunk)) }
            try await writer.finish(nil)
        })
    }
}
