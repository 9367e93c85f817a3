import Synchronization

/// What one evaluation did, step by step, for `facet query --explain` and the query API's
/// `explain=true`: each filter over the documents (`*[…]`) with the index that answered it or the
/// scan that tested every document, each `order()`, how often each ran (a sub-query runs once per
/// outer row), the rows it expected and the rows it kept, and its time.
///
/// ```swift
/// let profile = QueryProfile()
/// let result = try query.evaluate(in: dataset, options: EvaluationOptions(profile: profile))
/// print(profile.table)
/// // step                                  access                                runs  est. rows  rows     ms
/// // *[_type == "customer"][0...200] …     type index: _type == "customer"          1     20,000  20,000  0.21
/// ```
public final class QueryProfile: Sendable {
    /// One step of the plan, summed over every time it ran.
    public struct Step: Sendable, Equatable {
        /// The step as the query wrote it (`*[_type == "order" && total > 100]`, `order(total desc)`).
        public let query: String
        /// How its input was found: the index and the conditions it answered, or a scan.
        public let access: String
        /// What is still tested on each candidate, when the index did not answer everything.
        public let residual: String?
        /// Whether an index chose its candidates (false: every document was tested).
        public let usesIndex: Bool
        public internal(set) var runs: Int
        /// The rows the step expected to read: the index's candidates, or every document scanned.
        public internal(set) var estimatedRows: Int
        /// The rows it kept.
        public internal(set) var rows: Int
        /// Wall time in the step, inner steps included, summed over its runs.
        public internal(set) var nanoseconds: Int64

        public var milliseconds: Double { Double(nanoseconds) / 1e6 }
    }

    private let recorded = Mutex<[Step]>([])

    public init() {}

    /// The steps in the order they first ran.
    public var steps: [Step] { recorded.withLock { $0 } }

    func record(query: String, access: String, residual: String?, usesIndex: Bool, estimatedRows: Int, rows: Int,
                duration: Duration) {
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        recorded.withLock { steps in
            if let index = steps.firstIndex(where: { $0.query == query && $0.access == access }) {
                steps[index].runs += 1
                steps[index].estimatedRows += estimatedRows
                steps[index].rows += rows
                steps[index].nanoseconds += nanoseconds
            } else if steps.count < Self.maxSteps {
                steps.append(Step(query: query, access: access, residual: residual, usesIndex: usesIndex, runs: 1,
                                  estimatedRows: estimatedRows, rows: rows, nanoseconds: nanoseconds))
            }
        }
    }

    /// Distinct steps kept: a query generated with thousands of sub-queries explains its first.
    static let maxSteps = 200

    /// The steps as JSON: `[{"step", "access", "residual"?, "index", "runs", "estimatedRows", "rows", "ms"}]`.
    public var json: JSONValue {
        .array(steps.map { step in
            var object: JSONObject = [
                "step": .string(step.query), "access": .string(step.access), "index": .bool(step.usesIndex),
                "runs": .number(Double(step.runs)), "estimatedRows": .number(Double(step.estimatedRows)),
                "rows": .number(Double(step.rows)), "ms": .number((step.milliseconds * 1000).rounded() / 1000),
            ]
            if let residual = step.residual { object["residual"] = .string(residual) }
            return .object(object)
        })
    }

    /// The steps as a table a person reads in a terminal, with a line of advice under each scan.
    public var table: String {
        let steps = self.steps
        guard !steps.isEmpty else { return "No step read the documents: the query did not filter * (nothing to explain)." }
        func grouped(_ n: Int) -> String {
            let digits = String(n)
            var out = ""
            for (index, character) in digits.reversed().enumerated() {
                if index > 0, index % 3 == 0, character != "-" { out.append(",") }
                out.append(character)
            }
            return String(out.reversed())
        }
        let rows = steps.map { step in
            [step.query, step.access, grouped(step.runs), grouped(step.estimatedRows), grouped(step.rows),
             String(format3: step.milliseconds)]
        }
        let headings = ["step", "access", "runs", "est. rows", "rows", "ms"]
        let widths = (0..<headings.count).map { column in
            min(column < 2 ? 70 : 14, max(headings[column].count, rows.map { $0[column].count }.max() ?? 0))
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let text = cell.count > widths[column] ? String(cell.prefix(widths[column] - 1)) + "…" : cell
                let pad = String(repeating: " ", count: widths[column] - text.count)
                return column < 2 ? text + pad : pad + text
            }.joined(separator: "  ")
        }
        var lines = [line(headings)]
        for (step, cells) in zip(steps, rows) {
            lines.append(line(cells))
            if let residual = step.residual { lines.append("    then tested on each candidate: \(residual)") }
            if !step.usesIndex, step.query.hasPrefix("*[") {
                lines.append("    no index answers this filter: every document is tested. Conditions an index answers: "
                             + "_id, _type, field == value, field in [...], field > value, references(...), field match \"text\"")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// `1.234`: three decimals, without Foundation's formatter.
    init(format3 value: Double) {
        let thousandths = Int((value * 1000).rounded())
        let fraction = String(abs(thousandths) % 1000)
        self = "\(thousandths / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
