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
///   "revisions"}`, filtered by `fromTime`, `toTime`, `fromTransaction`, `toTransaction`
///   (inclusive), `authors`, trimmed by `excludeContent`, `excludeMutations`,
///   `includeIdentifiedDocumentsOnly`, ordered by `reverse` and cut at `limit`.
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
            if let format = request.option("effectFormat") {
                throw APIError.badRequest("effectFormat \"\(format)\" is not supported: Facet's history lines carry \"revisions\" instead of effects",
                                          type: "invalidRequest")
            }
            let filter = HistoryFilter(
                fromTime: request.option("fromTime"), toTime: request.option("toTime"),
                fromTransaction: request.option("fromTransaction"), toTransaction: request.option("toTransaction"),
                authors: request.list("authors"), reverse: try request.flag("reverse") ?? false, limit: try request.integer("limit"))
            let excludeContent = try request.flag("excludeContent") ?? false
            let visibility = visibility(context)
            // Mutations may name what the caller may not see; a restricted caller gets the revisions only.
            let excludeMutations = try request.flag("excludeMutations") ?? false || visibility != nil
            let identifiedOnly = try request.flag("includeIdentifiedDocumentsOnly") ?? false
            let transactions = try await workers.run(for: caller(context)) {
                do throws(StoreError) { return try dataset.transactions(documentIDs: ids, filter: filter) } catch { throw APIError.store(error) }
            }.compactMap { Self.presented($0, through: visibility) }
            let asked = Set(ids)
            return NDJSONBody.response(transactions.map { transaction in
                let line = transaction.historyJSON(excludeContent: excludeContent, excludeMutations: excludeMutations)
                return identifiedOnly ? Self.keeping(asked, in: line) : line
            })
        }
    }

    /// A transaction as `visibility` shows it: only the revisions of documents the caller may
    /// read (a deletion, whose type history no longer holds, is shown only to unrestricted
    /// callers); `nil` when nothing is left.
    static func presented(_ transaction: CommittedTransaction, through visibility: (any DocumentVisibility)?) -> CommittedTransaction? {
        guard let visibility else { return transaction }
        var shown = transaction
        shown.effects = transaction.effects.compactMap { effect in
            guard let document = effect.document.flatMap(visibility.present) else { return nil }
            var effect = effect
            effect.document = document
            return effect
        }
        return shown.effects.isEmpty ? nil : shown
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
        if case .object(let revisions)? = object["revisions"] {
            object["revisions"] = .object(revisions.filter { ids.contains($0.key) })
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
