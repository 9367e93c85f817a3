import FacetStore
import Foundation
import GROQ
import Hummingbird

/// `GET /v1/data/listen/:dataset?query=<filter>`: the changes to the documents a GROQ filter
/// matches, as server-sent events in Sanity's shapes (see ``ListenerStream`` for the events and
/// how a reconnecting client resumes).
///
/// A request the listener cannot serve (a bad filter or parameter, an unknown dataset) is still
/// answered `200 text/event-stream`, with one `channelError` event, as Sanity answers it: an
/// `EventSource` cannot read the body of an error status, and Sanity's clients turn the event
/// into an error with the query's position.
extension FacetAPI {
    func addListenRoutes(to version: RouterGroup<FacetRequestContext>) {
        let listeners = group(version, "data/listen", .read)
        listeners.get(":dataset") { request, context in
            let stream: ListenerStream
            do {
                // The filter is compiled on a worker within the query time limit, never on the
                // thread that answers requests: a long filter costs its own caller, no one else.
                let budget = queryBudget(context)
                let deadline = ContinuousClock.now + budget.timeLimit
                let caller = caller(context)
                var listen = try await ListenRequest(request, version: context.parameters.get("apiVersion") ?? "v1") {
                    (query, params) async throws(APIError) -> GROQQuery in
                    try await compile(query, params: params, budget: budget, deadline: deadline, caller: caller)
                }
                listen.options.visibility = visibility(context)
                listen.options.bufferBytes = configuration.listenerBufferBytes
                stream = ListenerStream(dataset: try dataset(context), request: listen, keepAliveInterval: configuration.keepAliveInterval,
                                        dropGrace: configuration.listenerDropGrace, lifecycle: lifecycle, workers: workers)
            } catch let error as APIError {
                return ListenerStream.response(ending: [ListenerStream.channelError(error)])
            }
            return stream.response(for: request)
        }
    }
}

/// What a client asks of the listen endpoint: the filter and its parameters, what each event
/// carries, and where to resume.
///
/// Like Sanity, only the filter matters: a projection or slice in `query` changes nothing.
/// `effectFormat=mendoza` adds each change's ``MendozaPatch`` effects (`{"apply", "revert"}`) to
/// its event. `tag` (a name for the request in logs) and an option Facet does not have
/// (`evs_preamble`) are accepted and ignored, so that Sanity's clients need no change.
struct ListenRequest: Sendable {
    /// The GROQ filter, e.g. `*[_type == "customer" && tier == $tier]`.
    var query: String
    var filter: GROQQuery
    /// `$name=<JSON>` parameters.
    var params: [String: JSONValue]
    /// `includeResult` (default false, as Sanity's server; its JS client sends true),
    /// `includePreviousRevision` (false) and `includeMutations` (true).
    var options: ListenOptions
    /// `visibility`, and `includeAllVersions` against the version's default.
    var order: ListenerEventOrder
    /// `enableResume=true`: a resumed stream starts with `welcomeback` instead of `welcome`.
    var enableResume: Bool
    /// The `Last-Event-ID` header: the id of the last mutation event the client read.
    var lastEventID: String?

    /// Reads the query string and headers, and compiles the filter with `compile`; throws an
    /// ``APIError`` that says what to fix.
    init(_ request: Request, version: String,
         compile: (String, [String: JSONValue]) async throws(APIError) -> GROQQuery) async throws(APIError) {
        // Decoded as the query route decodes it: `+` is a space, `%24name` is `$name`.
        var values: [String: String] = [:]
        var params: [String: JSONValue] = [:]
        for (key, value) in URLQuery(request.uri.query).pairs {
            guard key.hasPrefix("$") else {
                values[key] = value
                continue
            }
            let name = String(key.dropFirst())
            do { params[name] = try JSONValue(parsing: String(value)) } catch {
                throw APIError.badRequest("The parameter $\(name) is not JSON (\(error)); strings are quoted: $\(name)=\"text\"",
                                          type: "queryParseError")
            }
        }
        guard let query = values["query"], !query.isEmpty else {
            throw APIError.badRequest("Give the documents to listen to as ?query=<GROQ filter>, e.g. ?query=*[_type == \"customer\"]",
                                      type: "queryParseError")
        }
        filter = try await compile(query, params)
        self.query = query
        self.params = params

        func flag(_ name: String, default value: Bool) throws(APIError) -> Bool {
            switch values[name]?.lowercased() {
            case nil: return value
            case "true", "1", "": return true
            case "false", "0": return false
            case let other?: throw APIError.badRequest("\(name) must be true or false, not \"\(other)\"", type: "invalidListenerOption")
            }
        }
        options = ListenOptions(includeResult: try flag("includeResult", default: false),
                                includePreviousRevision: try flag("includePreviousRevision", default: false),
                                includeMutations: try flag("includeMutations", default: true))
        switch values["effectFormat"] {
        case nil: break
        case "mendoza": options.includeEffects = true
        case let other?: throw APIError.badRequest("effectFormat must be mendoza, not \"\(other)\"", type: "invalidListenerOption")
        }
        // From v2025-02-19 a listener hears of published documents only, unless it asks for all.
        let publishedByDefault = version >= "v2025-02-19" && version != "v1"
        order = ListenerEventOrder(publishedOnly: !(try flag("includeAllVersions", default: !publishedByDefault)))
        switch values["visibility"] ?? "transaction" {
        case "transaction", "query": order.visibility = values["visibility"] ?? "transaction"
        case let other: throw APIError.badRequest("visibility must be transaction or query, not \"\(other)\"", type: "invalidListenerOption")
        }
        enableResume = try flag("enableResume", default: false)
        lastEventID = request.headers[.lastEventID].flatMap { $0.isEmpty ? nil : $0 }
    }
}
