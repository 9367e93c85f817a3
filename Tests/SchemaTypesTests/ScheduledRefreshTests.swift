import FacetSchema
import FacetStore
import Foundation
import GROQ
import StudioConfig
import Testing
import TestSupport

/// The background retraining `facet serve` runs: nothing before the analytics were run once,
/// nothing while their schedule has not come round, then each due refresh once, as the scheduler.
@Suite("Scheduled analytics refresh", .ownThread(computing: true))
struct ScheduledRefreshTests {
    @Test func runsWhatIsDueOnceAndOnlyOnceAsTheScheduler() async throws {
        try await AnalyticsActionTests.withDemo { dataset in
            let refresher = ScheduledRefresh(dataset: dataset, trendSchedule: "weekly")
            #expect(try await refresher.runDue().isEmpty, "nothing is due before the analytics were first run")

            _ = try await AnalyticsActionTests.run(CRMActions.refreshDashboard, on: AnalyticsActionTests.dashboardID, in: dataset,
                                                   params: ["retrainSchedule": "daily"])
            let generated = try #require(dataset.query(#"*[_type == "analyticsModel" && string::startsWith(_id, "analytics.cohort.")] | order(generatedAt desc)[0].generatedAt"#).stringValue)
            let ran = try #require(AnalyticsDate.parse(generated))

            #expect(try await refresher.runDue(now: ran.addingTimeInterval(3_600)).isEmpty, "a daily schedule is not due after an hour")

            // Two days on, the daily predictions are due, the weekly trends not yet.
            let sequence = dataset.snapshot.sequence
            let first = try await refresher.runDue(now: ran.addingTimeInterval(2 * 86_400))
            #expect(first.map(\.refresh) == [.predictions])
            // The data did not change, so the refresh rewrote nothing; it still counts as a run.
            #expect(dataset.snapshot.sequence == sequence)
            #expect(try await refresher.runDue(now: ran.addingTimeInterval(2 * 86_400 + 60)).isEmpty, "a refresh just run is not due again")

            // A week and a day on, both are due.
            let later = try await refresher.runDue(now: ran.addingTimeInterval(8 * 86_400))
            #expect(Set(later.map(\.refresh)) == [.predictions, .trends])
        }
    }
}
