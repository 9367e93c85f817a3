/// Why an analytics computation could not give an answer: what was wrong, where, and what to do.
///
/// Input errors name the line and column of the offending value, so that an analyst can open the
/// file and fix it; numerical errors name the function and the arguments that defeated it.
public enum AnalyticsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A value in tabular input was missing, not a number, or out of its domain.
    case invalidInput(line: Int, column: String, value: String, problem: String, advice: String)
    /// The input as a whole cannot be used (no header, no rows, a column missing).
    case unusableInput(problem: String, advice: String)
    /// A parameter given to a model or a numerical routine is outside its domain.
    case invalidArgument(name: String, value: Double, requirement: String)
    /// A series or an iteration did not reach its tolerance within its budget.
    case notConverged(routine: String, detail: String, advice: String)

    public var description: String {
        switch self {
        case let .invalidInput(line, column, value, problem, advice):
            return "line \(line), column \(column): \(problem) (found \"\(value)\"). \(advice)"
        case let .unusableInput(problem, advice):
            return "\(problem). \(advice)"
        case let .invalidArgument(name, value, requirement):
            return "\(name) = \(value) is out of range: \(requirement)"
        case let .notConverged(routine, detail, advice):
            return "\(routine) did not converge: \(detail). \(advice)"
        }
    }
}
