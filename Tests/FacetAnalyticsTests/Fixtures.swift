import Foundation
@testable import FacetAnalytics

/// Test data read from Fixtures/ beside this file.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Fader and Hardie's CDNOW calibration sample: 2,357 customers, 39 weeks, times in weeks.
    static func cdnow() throws -> [RFMSummary] {
        try RFMSummary.parseCSV(String(contentsOf: directory.appendingPathComponent("cdnow_summary.csv"), encoding: .utf8))
    }

    /// True when `value` agrees with `published` to the precision it was published at: within half
    /// a unit of the `digits`-th significant figure.
    static func agrees(_ value: Double, _ published: Double, significantFigures digits: Int = 3) -> Bool {
        let unit = pow(10, floor(log10(abs(published))) - Double(digits - 1))
        return abs(value - published) <= unit / 2
    }
}
