import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("RFM summary CSV", .ownThread(computing: true))
struct RFMSummaryTests {
    @Test func readsTheLifetimesLayout() throws {
        let csv = "customer_id,frequency,recency,T,monetary_value\r\n\"A, Ltd\",2,30.43,38.86,22.35\r\n\r\nb,0,0,38.86,0\r\n"
        let customers = try RFMSummary.parseCSV(csv)
        #expect(customers == [try RFMSummary(id: "A, Ltd", frequency: 2, recency: 30.43, age: 38.86, monetaryValue: 22.35),
                              try RFMSummary(id: "b", frequency: 0, recency: 0, age: 38.86, monetaryValue: 0)])
    }

    @Test func columnsMayComeInAnyOrderWithExtras() throws {
        let csv = "T,monetary_value,segment,recency,frequency,customer_id\n38.86,22.35,vip,30.43,2.0,x\n"
        #expect(try RFMSummary.parseCSV(csv) == [try RFMSummary(id: "x", frequency: 2, recency: 30.43, age: 38.86, monetaryValue: 22.35)])
    }

    /// Each bad file names the line and column and says what to do.
    @Test(arguments: [
        ("customer_id,frequency,recency,T,monetary_value\na,1,2,10,5\nb,x,2,10,5\n", ["line 3", "column frequency", "not a number"]),
        ("customer_id,frequency,recency,T,monetary_value\na,1.5,2,10,5\n", ["line 2", "column frequency", "whole number"]),
        ("customer_id,frequency,recency,T,monetary_value\na,1,12,10,5\n", ["line 2", "column recency", "after the end"]),
        ("customer_id,frequency,recency,T,monetary_value\na,0,3,10,0\n", ["line 2", "column recency", "frequency 0"]),
        ("customer_id,frequency,recency,T,monetary_value\na,1,2,0,5\n", ["line 2", "column T", "positive"]),
        ("customer_id,frequency,recency,T,monetary_value\na,1,2,10,-5\n", ["line 2", "column monetary_value"]),
        ("customer_id,frequency,recency,T,monetary_value\na,1,2\n", ["line 2", "has 3 fields"]),
        ("customer_id,frequency,recency,T,monetary_value\n\"a,1,2,10,5\n", ["line 2", "quoted field is not closed"]),
        ("customer_id,frequency,recency,monetary_value\na,1,2,5\n", ["line 1", "no column T"]),
        ("customer_id,frequency,recency,T,monetary_value\n", ["no customers"]),
        ("", ["empty"]),
    ])
    func badInputIsNamed(csv: String, fragments: [String]) {
        do {
            _ = try RFMSummary.parseCSV(csv)
            Issue.record("accepted: \(csv)")
        } catch {
            for fragment in fragments { #expect(error.description.contains(fragment), "\(error.description) lacks \(fragment)") }
        }
    }

    @Test func theCDNOWFixtureIsTheCalibrationSample() throws {
        let customers = try Fixtures.cdnow()
        // Fader and Hardie's sample: 2,357 customers, of whom 946 made a repeat purchase in the
        // 39-week calibration period (the customers the Gamma-Gamma paper fits on); no history
        // is longer than the 39 weeks (the latest first purchase is in week 12, so T ≥ 27).
        #expect(customers.count == 2357)
        #expect(customers.filter { $0.frequency > 0 }.count == 946)
        #expect(customers.allSatisfy { $0.age <= 39 && $0.age >= 27 })
    }
}
