import FacetSchema
import FacetStore
import Foundation
import GROQ

/// When the analytics should be recomputed: each cohort `analyticsModel` names its
/// `trainingData.retrainSchedule` (daily, weekly, monthly or quarterly, set with the actions'
/// `retrainSchedule` parameter), and a refresh is due once that period has passed since the last
/// run. A host (`facet serve`) keeps the time of its last run of each refresh, since a run that
/// finds nothing new writes nothing; on start it falls back to the newest `generatedAt`.
///
/// ```swift
/// let due = try await RetrainSchedule.due(context, lastRuns: lastRuns, now: Date())
/// for refresh in due { _ = try await refresh.action.run(context); lastRuns[refresh] = Date() }
/// ```
public enum RetrainSchedule {
    /// A refresh the schedule can ask for.
    public enum Refresh: String, Sendable, CaseIterable {
        case predictions, trends

        /// The action that performs it.
        public var action: DocumentAction {
            switch self {
            case .predictions: CRMActions.refreshPredictions
            case .trends: CRMActions.refreshTrends
            }
        }
    }

    /// The length of a schedule's period, in seconds; nil for a name that is not a schedule.
    public static func period(of schedule: String) -> TimeInterval? {
        switch schedule {
        case "daily": 86_400
        case "weekly": 7 * 86_400
        case "monthly": 30 * 86_400
        case "quarterly": 91 * 86_400
        default: nil
        }
    }

    /// The refreshes due at `now`. Predictions follow the shortest schedule among the cohort
    /// models; trends follow `trendSchedule`. A refresh that never ran is not due: the schedule
    /// keeps models fresh once someone has run them, it does not start them.
    /// - Parameter lastRuns: when the host last ran each refresh; missing ones are read from the
    ///   newest `generatedAt` of their documents.
    public static func due(_ context: ActionContext, lastRuns: [Refresh: Date] = [:], now: Date,
                           trendSchedule: String = "weekly") async throws -> [Refresh] {
        let state = try await context.query("""
            {"schedules": *[_type == "analyticsModel" && string::startsWith(_id, "analytics.cohort.")].trainingData.retrainSchedule, \
            "models": *[_type == "analyticsModel" && string::startsWith(_id, "analytics.")] | order(generatedAt desc)[0].generatedAt, \
            "trends": *[_type == "trendAnalysis" && string::startsWith(_id, "trend.")] | order(generatedAt desc)[0].generatedAt}
            """)
        let periods = (state["schedules"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(period(of:)) }
        var due: [Refresh] = []
        let last = { (refresh: Refresh, key: String) in lastRuns[refresh] ?? state[key]?.stringValue.flatMap(AnalyticsDate.parse) }
        if let shortest = periods.min(), let ran = last(.predictions, "models"), now.timeIntervalSince(ran) >= shortest {
            due.append(.predictions)
        }
        if let period = period(of: trendSchedule), let ran = last(.trends, "trends"), now.timeIntervalSince(ran) >= period {
            due.append(.trends)
        }
        return due
    }
}
