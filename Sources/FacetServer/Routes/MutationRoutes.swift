import FacetStore
import Foundation
import GROQ
import Hummingbird

/// `POST /v1/data/mutate/:dataset`: Sanity's mutations body (`{"mutations": [...]}`) applied as
/// one transaction, answered as `{"transactionId", "results": [{"id", "operation"}]}`.
///
/// The URL's options are Sanity's: `returnIds`, `returnDocuments`, `dryRun`, `transactionId`,
/// `autoGenerateArrayKeys` and `visibility`. A failure is Sanity's mutation error,
/// `{"error": {"type": "mutationError", "description", "items": [{"error": {...}, "index": n}]}}`,
/// with 400 for a malformed request, 409 for an existence, revision or reference conflict and 422
/// when the schema refuses a document (every marker listed in the item).
extension FacetAPI {
    func addMutationRoutes(to version: RouterGroup<FacetRequestContext>) {
        group(version, "data/mutate", .write).post(":dataset") { request, context in
            let dataset = try dataset(context)
            let body = try await JSONBody.parse(request, context: context)
            let options = authorized(try Self.transactionOptions(request, body: body), context)
            let visibility = visibility(context)
            let mutations: [Mutation]
            do throws(StoreError) { mutations = try Mutation.list(parsing: body) } catch {
                throw APIError.mutation(error, in: [])
            }
            let result = try await workers.run(for: caller(context)) {
                do throws(StoreError) { return try dataset.mutate(mutations, options: options) } catch {
                    throw APIError.mutation(error, in: mutations)
                }
            }
            return JSONBody.response(result.presented(through: visibility).json(options))
        }
    }

    /// The transaction's options from the URL (and `transactionId` from the body, where Sanity's
    /// clients put it).
    static func transactionOptions(_ request: Request, body: JSONValue) throws -> TransactionOptions {
        var options = TransactionOptions(author: "api", source: "mutate")
        options.returnIds = try request.flag("returnIds") ?? false
        options.returnDocuments = try request.flag("returnDocuments") ?? false
        options.dryRun = try request.flag("dryRun") ?? false
        // Facet keys array items unless asked not to: the studio addresses them by `_key`.
        options.autoGenerateArrayKeys = try request.flag("autoGenerateArrayKeys") ?? options.autoGenerateArrayKeys
        // Facet always commits before it answers, which is what every visibility promises at least.
        if let visibility = request.option("visibility"), !["sync", "async", "deferred"].contains(visibility) {
            throw APIError.badRequest("visibility must be sync, async or deferred, not \"\(visibility)\"", type: "invalidRequest")
        }
        let fromURL = request.option("transactionId")
        var fromBody: String?
        if let given = body["transactionId"], !given.isNull {
            guard let text = given.stringValue else {
                throw APIError.badRequest("\"transactionId\" must be a string, found \(given.typeName)", type: "invalidRequest")
            }
            fromBody = text
        }
        if let fromURL, let fromBody, fromURL != fromBody {
            throw APIError.badRequest("The URL's transactionId \"\(fromURL)\" and the body's \"\(fromBody)\" differ; give one",
                                      type: "invalidRequest")
        }
        options.transactionId = fromURL ?? fromBody
        return options
    }
}

extension APIError {
    /// A refused transaction in Sanity's mutation envelope. The item names the failing mutation's
    /// index: the store's when it knows it, else the last mutation that wrote the document the
    /// error is about (checks made at commit, such as validation and references, see only the
    /// finished documents). Errors about the request as a whole keep their own type.
    static func mutation(_ error: StoreError, in mutations: [Mutation]) -> APIError {
        let index = error.mutationIndex ?? error.documentID.flatMap { id in mutations.lastIndex { $0.writes(id) } }
        guard index != nil || error.documentID != nil else { return store(error) }
        var item: JSONObject = ["description": .string(error.message), "type": .string(error.type)]
        if let id = error.documentID { item["id"] = .string(id) }
        for (key, value) in error.details { item[key] = value }
        if !error.advice.isEmpty { item["advice"] = .string(error.advice) }
        var entry: JSONObject = ["error": .object(item)]
        if let index { entry["index"] = .number(Double(index)) }
        return APIError(store(error).status, type: "mutationError", "Mutation(s) failed with 1 error(s)",
                        details: ["items": [.object(entry)]])
    }
}

extension Mutation {
    /// Whether this mutation names `id` as a document it writes (a query selection names none).
    func writes(_ id: String) -> Bool {
        switch self {
        case .create(let document), .createOrReplace(let document), .createIfNotExists(let document):
            document["_id"]?.stringValue == id
        case .delete(.ids(let ids)): ids.contains(id)
        case .patch(let patch):
            if case .ids(let ids) = patch.selection { ids.contains(id) } else { false }
        case .delete(.query): false
        }
    }
}

// MARK: URL options

extension Request {
    /// The URL's query parameter `name`, decoded as every route decodes it (``URLQuery``); `nil`
    /// when absent.
    func option(_ name: String) -> String? {
        URLQuery(uri.query)[name]
    }

    /// A boolean URL option as Sanity's clients send it: `true`, `false`, `1`, `0`, or the bare
    /// name (`?dryRun`) for true; `nil` when absent; 400 for anything else.
    func flag(_ name: String) throws -> Bool? {
        guard let text = option(name) else { return nil }
        switch text.lowercased() {
        case "", "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest("\(name) must be true or false, not \"\(text)\"", type: "invalidRequest")
        }
    }

    /// A whole-number URL option at least `minimum`; `nil` when absent; 400 for anything else.
    func integer(_ name: String, minimum: Int = 0) throws -> Int? {
        guard let text = option(name) else { return nil }
        guard let value = Int(text), value >= minimum else {
            throw APIError.badRequest("\(name) must be a whole number from \(minimum), not \"\(text)\"", type: "invalidRequest")
        }
        return value
    }

    /// A comma-separated URL option (`types=a,b`), empty items dropped; `nil` when absent.
    func list(_ name: String) -> [String]? {
        option(name).map(Self.commaSeparated)
    }

    /// The items of a comma-separated list, trimmed, empty ones dropped.
    static func commaSeparated(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

extension FacetRequestContext {
    /// The comma-separated document ids of the `:ids` path segment (clients may percent-encode
    /// the commas); 400 when there are none.
    func documentIDs() throws -> [String] {
        let raw = parameters.get("ids") ?? ""
        let ids = Request.commaSeparated(raw.removingPercentEncoding ?? raw)
        guard !ids.isEmpty else { throw APIError.badRequest("Give at least one document id", type: "invalidRequest") }
        return ids
    }
}

extension TransactionResult {
    /// The result with its documents as `visibility` shows them, so that `returnDocuments` gives
    /// back no field the caller may not read (a hidden document comes back as `null`), dry run or not.
    ///
    /// Presenting the state after the transaction is enough because the authorizer refuses any
    /// change that shows its author more after it than before it (the role's authorizer judges each
    /// change on both states), and a dry run is authorized exactly as a commit is: what comes
    /// back is never more than the caller could read before they asked.
    func presented(through visibility: (any DocumentVisibility)?) -> TransactionResult {
        guard let visibility else { return self }
        var result = self
        for index in result.results.indices {
            result.results[index].document = result.results[index].document.flatMap(visibility.present)
        }
        return result
    }
}
