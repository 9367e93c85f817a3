import Dispatch
import FacetSchema
import FacetStore
import Foundation
import GROQ

/// Runs the analytics refreshes whose ``RetrainSchedule`` has come round, one at a time: what
/// `facet serve` does in the background.
///
/// It is an actor because it keeps the time of its last run of each refresh (a run that finds
/// nothing new writes nothing, so the documents alone cannot say when it last ran) and because
/// two checks must never run a refresh twice at once. The work runs on Dispatch's threads, not on
/// the ones that answer requests; what it writes goes through the mutation pipeline as
/// ``author``, so it is validated, versioned and audited like any write.
///
/// ```swift
/// let refresher = ScheduledRefresh(dataset: try store.dataset("production"))
/// for run in try await refresher.runDue() { print(run.refresh, run.message) }
/// ```
public actor ScheduledRefresh {
    /// The author of the scheduler's writes in history and the audit log.
    public static let author = "facet scheduler"

    /// One refresh the scheduler ran.
    public struct Run: Sendable {
        public var refresh: RetrainSchedule.Refresh
        public var message: String
        public var transactionID: String?
        public var written: Int
    }

    let dataset: Dataset
    let trendSchedule: String
    private var lastRuns: [RetrainSchedule.Refresh: Date] = [:]

    public init(dataset: Dataset, trendSchedule: String = "weekly") {
        self.dataset = dataset
        self.trendSchedule = trendSchedule
    }

    /// Runs every refresh due at `now`, one after the other, and says what each did. Nothing is
    /// due before someone has run the analytics once (the schedule keeps them fresh; it does not
    /// start them).
    public func runDue(now: Date = Date()) async throws -> [Run] {
        guard let predictionsAnchor = anchor(#"*[_type == "analyticsModel" && string::startsWith(_id, "analytics.cohort.")] | order(_id)[0]"#)
        else { return [] }
        let due = try await RetrainSchedule.due(context(for: predictionsAnchor), lastRuns: lastRuns, now: now, trendSchedule: trendSchedule)
        var runs: [Run] = []
        for refresh in due {
            // Each action runs on a document of a type it applies to, as the studio would run it.
            let document: JSONValue? = switch refresh {
            case .predictions: predictionsAnchor
            case .trends: anchor(#"*[_type == "trendAnalysis" && string::startsWith(_id, "trend.")] | order(_id)[0]"#)
            }
            guard let document else { continue }
            // The models keep the schedule they were given, rather than the actions' default.
            var params: JSONObject = [:]
            if refresh == .predictions, let schedule = document["trainingData"]?["retrainSchedule"]?.stringValue {
                params["retrainSchedule"] = .string(schedule)
            }
            let result = try await refresh.action.run(context(for: document, params: params))
            lastRuns[refresh] = now
            runs.append(Run(refresh: refresh, message: result.message, transactionID: result.transactionId, written: result.writtenIDs.count))
        }
        return runs
    }

    private func anchor(_ query: String) -> JSONValue? {
        guard let found = try? dataset.query(query), !found.isNull else { return nil }
        return found
    }

    private func context(for document: JSONValue, params: JSONObject = [:]) -> ActionContext {
        ActionContext(dataset: dataset, documentID: document["_id"]?.stringValue ?? "", document: document, params: params,
                      author: Self.author) { work in
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                DispatchQueue.global(qos: .utility).async {
                    work()
                    done.resume()
                }
            }
        }
    }
}
