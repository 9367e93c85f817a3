/// Where a long action reports how far it has got: a stage ("fitting the models") and the share
/// of the whole run done, from 0 to 1.
///
/// It is a value the host hands the action in ``ActionContext/progress``; an action that runs
/// in parts gives each part its own slice of the run with ``slice(_:)``, so that the parts'
/// shares add up to one rising figure:
///
/// ```swift
/// let refresh = DocumentAction("refresh", title: "Refresh", description: "Refits and rewrites.",
///                              types: ["analyticsDashboard"]) { context in
///     context.progress("reading the clientele", 0)
///     let clientele = try await context.query(#"*[_type == "customer"]"#)
///     var part = context
///     part.progress = context.progress.slice(0.1...1)   // the part reports 0…1 of its own
///     return try await rewrite(clientele, in: part)       // its 0.5 is the run's 0.55
/// }
/// ```
///
/// Reports are cheap and may come from any task or thread; a host that forwards them (the
/// server's event stream) coalesces them itself, so an action reports whenever it has news.
public struct ActionProgress: Sendable {
    /// Hears one report: the stage and the share done (0…1).
    public typealias Report = @Sendable (_ stage: String, _ done: Double) -> Void

    private let report: Report

    public init(_ report: @escaping Report) {
        self.report = report
    }

    /// Reports go nowhere: the default when the host shows no progress.
    public static let ignored = ActionProgress { _, _ in }

    /// Reports `stage` with `done` of the run finished; a share outside 0…1 (or not a number)
    /// is brought back into it, so that a caller's bar never runs backwards past its ends.
    public func callAsFunction(_ stage: String, _ done: Double) {
        report(stage, done.isNaN ? 0 : min(1, max(0, done)))
    }

    /// A progress for one part of the run that covers `range` of it: the part reports 0…1 of its
    /// own, and this hears the matching share of the whole.
    public func slice(_ range: ClosedRange<Double>) -> ActionProgress {
        let outer = self
        return ActionProgress { stage, done in
            outer(stage, range.lowerBound + (range.upperBound - range.lowerBound) * min(1, max(0, done.isNaN ? 0 : done)))
        }
    }
}
