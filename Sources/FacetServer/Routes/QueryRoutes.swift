import FacetStore
import GROQ
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET` and `POST /v1/data/query/:dataset`: a GROQ query with its parameters and perspective,
/// answered as `{"ms", "query", "result"}`; with `explain=true` also `"explain"`: each step of
/// the plan with the index it used, its runs, expected and kept rows, and time (``QueryProfile``).
///
/// Expensive requests are bounded four ways, by the caller's role (``QueryBudget``):
/// - **time**: a query gets its budget's time from the moment it arrives, waiting for a slot
///   and parsing included. Evaluation checks the deadline in its loops and stops; the answer is 400
///   `queryTimeout` with advice. A query that is still waiting for a slot at its deadline never
///   runs: 503 `queryTimeout` with `Retry-After`, as the fault is the server's load, not the query.
/// - **size**: a query nesting too deeply or expanding into too many expressions is refused
///   when parsed; an evaluation building more array elements than its budget is stopped; a
///   result whose JSON is over its budget's bytes is refused with 400 `queryResultTooLarge`,
///   serialising stops soon after the limit is passed.
/// - **concurrency**: at most `maxConcurrentQueries` evaluations run at once, shared fairly
///   between callers; the rest wait as suspended tasks, holding no thread (``BlockingWork``).
/// - **hang-ups**: a client that closes its connection stops its evaluation (``HangUpWatch``).
///
/// The response is serialised into one buffer on the worker, before its slot is released, so a
/// client that reads slowly or not at all holds only its own connection (and the bytes waiting in
/// it), never a worker or a slot.
extension FacetAPI {
    func addQueryRoutes(to version: RouterGroup<FacetRequestContext>) {
        let queries = group(version, "data/query", .read)
        queries.get(":dataset") { request, context in
            let parameters = context.query(of: request)
            let query = try parameters["query"].unwrap(orThrow: APIError.badRequest(
                "Give the query as ?query=<GROQ>, or POST {\"query\": ..., \"params\": {...}}", type: "queryParseError"))
            var params: [String: JSONValue] = [:]
            for (key, value) in parameters.pairs where key.hasPrefix("$") {
                let name = String(key.dropFirst())
                do { params[name] = try JSONValue(parsing: value) } catch {
                    throw APIError.badRequest(
                        "The parameter $\(name) is not JSON (\(error)); strings are quoted: $\(name)=\"text\"", type: "queryParseError")
                }
            }
            return try await answer(query, params: params, parameters: parameters, context: context)
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
            return try await answer(query, params: params, perspective: perspective, parameters: context.query(of: request),
                                    context: context)
        }
    }

    /// Parses, evaluates and serialises on a worker thread, within the limits, and answers; the
    /// perspective is the URL's, else the body's, else the version's default (`published` from
    /// v2025-02-19, `raw` before).
    private func answer(_ query: String, params: [String: JSONValue], perspective bodyPerspective: String? = nil,
                        parameters: URLQuery, context: FacetRequestContext) async throws -> Response
    {
        let budget = queryBudget(context)
        let deadline = ContinuousClock.now + budget.timeLimit
        let dataset = try dataset(context)
        let perspective = try Self.perspective(parameters["perspective"] ?? bodyPerspective,
                                               version: context.parameters.get("apiVersion") ?? "v1")
        let evaluation = QueryEvaluation(
            query: query, params: params, returnQuery: parameters["returnQuery"] != "false",
            options: EvaluationOptions(deadline: deadline, cancellation: EvaluationCancellation(),
                                       profile: try Self.explains(parameters["explain"]) ? QueryProfile() : nil),
            budget: budget)
        let metrics = self.metrics
        let body: ByteBuffer
        do {
            body = try await hangUps.whileRunning(on: context.connection, cancelling: evaluation.options.cancellation) {
                try await withTaskCancellationHandler {
                    try await workers.run(for: caller(context), until: deadline) {
                        let opening = ContinuousClock.now
                        let source = try querySource(dataset.snapshot, perspective, context)
                        // Building the perspective's view is the dataset's one-off work, shared by
                        // every later query: it does not count against this query's time.
                        return try evaluation.deadlineMoved(by: .now - opening).run(on: source, metrics: metrics)
                    }
                } onCancel: {
                    evaluation.options.cancellation?.cancel()
                }
            }
        } catch is BlockingWork.WaitedPastDeadline {
            metrics.recordQueryStopped(.queued)
            throw APIError.queryQueued(limit: budget.timeLimit, slots: workers.limit)
        } catch is CancellationError {
            metrics.recordQueryStopped(.cancelled)
            throw APIError.queryCancelled()
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// `explain=true` adds the plan to the answer; `false` or nothing leaves it out.
    static func explains(_ text: String?) throws -> Bool {
        switch text {
        case nil, "false", "0": return false
        case "true", "1", "": return true
        default:
            throw APIError.badRequest("explain must be true or false (explain=true adds the query's plan to the answer), not \"\(text!)\"",
                                      type: "queryParseError")
        }
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
