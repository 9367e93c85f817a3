import FacetStore
import Foundation
import GROQ
import Hummingbird

/// `GET` and `POST /v1/data/query/:dataset`: a GROQ query with its parameters and perspective,
/// answered as `{"ms", "query", "result"}`.
extension FacetAPI {
    func addQueryRoutes(to version: RouterGroup<FacetRequestContext>) {
        let queries = group(version, "data/query", .read)
        queries.get(":dataset") { request, context in
            let query = try request.uri.queryParameters.get("query").map { String($0) }.unwrap(orThrow: APIError.badRequest(
                "Give the query as ?query=<GROQ>, or POST {\"query\": ..., \"params\": {...}}", type: "queryParseError"))
            var params: [String: JSONValue] = [:]
            for (rawKey, value) in request.uri.queryParameters {
                // Clients percent-encode the `$` of `$name=`; the keys arrive as sent.
                let key = String(rawKey).removingPercentEncoding ?? String(rawKey)
                guard key.hasPrefix("$") else { continue }
                let name = String(key.dropFirst())
                do { params[name] = try JSONValue(parsing: String(value)) } catch {
                    throw APIError.badRequest(
                        "The parameter $\(name) is not JSON (\(error)); strings are quoted: $\(name)=\"text\"", type: "queryParseError")
                }
            }
            return try await answer(query, params: params, request: request, context: context)
        }
        queries.post(":dataset") { request, context in
            let body = try await JSONBody.parse(request, context: context)
            guard let query = body["query"]?.stringValue else {
                throw APIError.badRequest("The body needs \"query\": a GROQ string", type: "queryParseError")
            }
            var params: [String: JSONValue] = [:]
            if let given = body["params"], !given.isNull {
                guard case .object(let object) = given else { throw APIError.badRequest("\"params\" must be an object of parameter values") }
                for (key, value) in object { params[key.hasPrefix("$") ? String(key.dropFirst()) : key] = value }
            }
            let perspective = body["perspective"]?.stringValue
            return try await answer(query, params: params, perspective: perspective, request: request, context: context)
        }
    }

    /// Parses, evaluates on a worker thread and answers; the perspective is the URL's, else the
    /// body's, else the version's default (`published` from v2025-02-19, `raw` before).
    private func answer(_ query: String, params: [String: JSONValue], perspective bodyPerspective: String? = nil,
                        request: Request, context: FacetRequestContext) async throws -> Response
    {
        let dataset = try dataset(context)
        let perspective = try Self.perspective(request.uri.queryParameters.get("perspective").map { String($0) } ?? bodyPerspective,
                                               version: context.parameters.get("apiVersion") ?? "v1")
        let returnQuery = request.uri.queryParameters.get("returnQuery") != "false"
        let started = ContinuousClock.now
        let result: JSONValue = try await workers.run {
            let parsed: GROQQuery
            do {
                parsed = try GROQQuery(query, params: params)
                return try parsed.evaluate(in: dataset.snapshot.source(perspective), params: params)
            } catch let error as GROQError {
                throw APIError.query(error, query: query)
            }
        }
        let elapsed = ContinuousClock.now - started
        var body: JSONObject = ["ms": .number(Double(elapsed.components.seconds * 1000) + Double(elapsed.components.attoseconds / 1_000_000_000_000_000))]
        if returnQuery { body["query"] = .string(query) }
        body["result"] = result
        return JSONBody.response(.object(body))
    }

    static func perspective(_ text: String?, version: String) throws -> Perspective {
        guard let text else { return version >= "v2025-02-19" && version != "v1" ? .published : .raw }
        do { return try Perspective(parsing: text) } catch { throw APIError.badRequest(error.message, type: "invalidPerspective") }
    }
}

extension Optional {
    /// The value, or `error` thrown.
    func unwrap(orThrow error: @autoclosure () -> some Error) throws -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}
