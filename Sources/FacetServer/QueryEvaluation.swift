import GROQ
import NIOCore

/// One query's work on the worker thread: parse, evaluate before the deadline, and serialise the
/// answer within the size limit.
struct QueryEvaluation: Sendable {
    let query: String
    let params: [String: JSONValue]
    let returnQuery: Bool
    let options: EvaluationOptions
    let budget: QueryBudget

    /// The answer's JSON, `{"ms":…,"query":…,"result":…}` (and `"explain":[steps]` when the
    /// options carry a profile), ready to send.
    func run(on source: any DocumentSource, metrics: ServerMetrics) throws -> ByteBuffer {
        let started = ContinuousClock.now
        let parsed: GROQQuery
        do throws(GROQError) {
            // Parameters are folded into the tree when parsing, so that `_id == $id` uses the index.
            parsed = try GROQQuery(query, params: params, limits: budget.groqLimits, deadline: options.deadline)
        } catch {
            throw APIError.groq(error, query: query, budget: budget, metrics: metrics)
        }
        let result: JSONValue
        do throws(GROQError) {
            result = try parsed.evaluate(in: source, options: options)
        } catch {
            metrics.recordQueryEvaluation(seconds: Self.seconds(ContinuousClock.now - started))
            throw APIError.groq(error, query: query, budget: budget, metrics: metrics)
        }
        let elapsed = ContinuousClock.now - started
        metrics.recordQueryEvaluation(seconds: Self.seconds(elapsed))

        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes.append(contentsOf: #"{"ms":"#.utf8)
        JSONValue.number(Double(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)).write(to: &bytes)
        if returnQuery {
            bytes.append(contentsOf: #","query":"#.utf8)
            JSONValue.string(query).write(to: &bytes)
        }
        if let profile = options.profile {
            bytes.append(contentsOf: #","explain":"#.utf8)
            profile.json.write(to: &bytes)
        }
        bytes.append(contentsOf: #","result":"#.utf8)
        let resultStart = bytes.count
        guard result.write(to: &bytes, limit: resultStart + budget.maxResultBytes) else {
            metrics.recordQueryStopped(.resultTooLarge)
            throw APIError.queryResultTooLarge(limit: budget.maxResultBytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: bytes)
    }

    /// This evaluation with its deadline `duration` later.
    func deadlineMoved(by duration: Duration) -> QueryEvaluation {
        var moved = options
        moved.deadline = options.deadline.map { $0 + duration }
        return QueryEvaluation(query: query, params: params, returnQuery: returnQuery, options: moved, budget: budget)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension APIError {
    /// A query's error, parsing or evaluating, as the API answers it: a stop at the time limit
    /// or a cancellation is counted in the metrics and answered with its advice; anything else
    /// is the query's own error, with its position.
    static func groq(_ error: GROQError, query: String, budget: QueryBudget, metrics: ServerMetrics) -> APIError {
        switch error.kind {
        case .timeout:
            metrics.recordQueryStopped(.timeout)
            return queryTimeout(limit: budget.timeLimit, query: query, activity: error.activity)
        case .cancelled:
            metrics.recordQueryStopped(.cancelled)
            return queryCancelled()
        case .syntax, .query, .evaluation:
            return APIError.query(error, query: query)
        }
    }

    /// The query ran past its time limit and was stopped.
    /// `activity` names what was running when it stopped (the filter and how it read).
    static func queryTimeout(limit: Duration, query: String, activity: String? = nil) -> APIError {
        var details: JSONObject = ["limitMs": .number(limit.milliseconds), "query": .string(query)]
        if let activity { details["stoppedWhile"] = .string(activity) }
        return APIError(.badRequest, type: "queryTimeout", """
            The query ran longer than the time limit of \(limit.spoken) and was stopped\(activity.map { " while \($0)" } ?? ""). \
            Make it cheaper: narrow the filter, start it with an index-friendly condition such as _type == "customer" or \
            _id == $id, and fetch results a page at a time with a slice such as [0...100]; send explain=true with a \
            smaller query to see which index each filter uses.
            """, details: details)
    }

    /// The query waited its whole time limit for a slot and never ran: the server is busy.
    static func queryQueued(limit: Duration, slots: Int) -> APIError {
        APIError(.serviceUnavailable, type: "queryTimeout", """
            The server is busy: the query waited \(limit.spoken), its time limit, for a free query slot (this server \
            evaluates \(slots) quer\(slots == 1 ? "y" : "ies") at a time) and did not run. Retry shortly; if this keeps \
            happening, make the queries that run cheaper or raise maxConcurrentQueries.
            """, details: ["limitMs": .number(limit.milliseconds), "slots": .number(Double(slots))])
    }

    /// The result's JSON is over the size limit.
    static func queryResultTooLarge(limit: Int) -> APIError {
        APIError(.badRequest, type: "queryResultTooLarge", """
            The result is larger than the limit of \(limit) bytes of JSON. Fetch it a page at a time with slices \
            ([0...1000], then [1000...2000], …) or order by _id and filter after the last _id seen, and project \
            only the fields you need ({_id, name}).
            """, details: ["limitBytes": .number(Double(limit))])
    }

    /// The query was cancelled before it finished (the request was cancelled).
    static func queryCancelled() -> APIError {
        APIError(.serviceUnavailable, type: "queryCancelled", "The query was cancelled before it finished; send it again")
    }
}

extension Duration {
    /// `10 s`, `1.5 s`, `250 ms`: how the limits are quoted in messages.
    var spoken: String {
        let ms = milliseconds
        if ms >= 1000 {
            let seconds = ms / 1000
            return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
        }
        return "\(Int(ms)) ms"
    }

    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
