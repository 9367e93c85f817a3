import Foundation

/// One customer's purchase history in the recency–frequency–monetary form the lifetime models use.
///
/// Times are in whatever unit the data uses (days, weeks); the fitted parameters are then in that
/// unit too. Following Fader, Hardie and Lee and the `lifetimes` library, only *repeat* purchases
/// count: a customer who bought once has frequency 0.
///
/// ```swift
/// let ada = try RFMSummary(id: "ada", frequency: 2, recency: 30.43, age: 38.86, monetaryValue: 22.35)
/// ```
public struct RFMSummary: Sendable, Hashable, Codable {
    /// The customer's identifier in the source data.
    public var id: String
    /// x: the number of repeat purchases (purchases after the first).
    public var frequency: Int
    /// tₓ: the time from the first purchase to the last one (0 when there was no repeat purchase).
    public var recency: Double
    /// T: the time from the first purchase to the end of the observation period.
    public var age: Double
    /// The mean value of the repeat purchases (0 when there were none).
    public var monetaryValue: Double

    /// Checks the values against each other, so that a model never sees an impossible history.
    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` naming the first violated rule.
    public init(id: String, frequency: Int, recency: Double, age: Double, monetaryValue: Double = 0) throws(AnalyticsError) {
        if let problem = Self.problem(frequency: frequency, recency: recency, age: age, monetaryValue: monetaryValue) {
            throw .invalidArgument(name: "\(problem.field) of customer \(id)", value: problem.value, requirement: problem.rule)
        }
        self.id = id
        self.frequency = frequency
        self.recency = recency
        self.age = age
        self.monetaryValue = monetaryValue
    }

    /// The first rule a history breaks, if any: the field (named as in the `lifetimes` CSV layout),
    /// its value, and the rule.
    static func problem(frequency: Int, recency: Double, age: Double, monetaryValue: Double)
        -> (field: String, value: Double, rule: String)?
    {
        if frequency < 0 { return ("frequency", Double(frequency), "the number of repeat purchases cannot be negative") }
        if !age.isFinite || age <= 0 {
            return ("T", age, "the time since the first purchase must be a positive number")
        }
        if !recency.isFinite || recency < 0 { return ("recency", recency, "must be zero or positive") }
        if recency > age {
            return ("recency", recency, "the last purchase cannot come after the end of the observation period (T = \(age))")
        }
        if frequency == 0, recency != 0 {
            return ("recency", recency, "a customer without repeat purchases (frequency 0) has recency 0")
        }
        if !monetaryValue.isFinite || monetaryValue < 0 {
            return ("monetary_value", monetaryValue, "must be zero or positive")
        }
        return nil
    }
}

extension RFMSummary {
    /// The columns of a summary CSV, as the `lifetimes` library writes them.
    public static let csvColumns = ["customer_id", "frequency", "recency", "T", "monetary_value"]

    /// Reads a summary table in the layout of `lifetimes.utils.summary_data_from_transaction_data`:
    /// a header row naming at least `customer_id, frequency, recency, T, monetary_value` (in any
    /// order; other columns are ignored), then one customer per line. Fields may be quoted; blank
    /// lines and Windows line endings are accepted.
    /// - Throws: ``AnalyticsError/invalidInput(line:column:value:problem:advice:)`` naming the line
    ///   and column of the first bad value, ``AnalyticsError/unusableInput(problem:advice:)`` for a
    ///   missing header, column or any customer at all.
    public static func parseCSV(_ text: String) throws(AnalyticsError) -> [RFMSummary] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .enumerated().map { (number: $0.offset + 1, text: String($0.element).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))) }
            .filter { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !lines.isEmpty else {
            throw .unusableInput(problem: "The CSV is empty",
                                 advice: "Expected a header row \(csvColumns.joined(separator: ",")) and one line per customer")
        }
        let header = lines.removeFirst()
        let names = try fields(of: header.text, line: header.number).map { $0.trimmingCharacters(in: .whitespaces) }
        var position: [String: Int] = [:]
        for column in csvColumns {
            guard let index = names.firstIndex(of: column) else {
                throw .unusableInput(problem: "The header on line \(header.number) has no column \(column) (it has: \(names.joined(separator: ", ")))",
                                     advice: "The first line must name the columns \(csvColumns.joined(separator: ",")), as lifetimes' summary_data_from_transaction_data writes them")
            }
            position[column] = index
        }
        guard !lines.isEmpty else {
            throw .unusableInput(problem: "The CSV has a header but no customers", advice: "Add one line per customer below the header")
        }
        var customers: [RFMSummary] = []
        customers.reserveCapacity(lines.count)
        for line in lines {
            let values = try fields(of: line.text, line: line.number)
            func field(_ column: String) throws(AnalyticsError) -> String {
                let index = position[column] ?? 0
                guard index < values.count else {
                    throw .invalidInput(line: line.number, column: column, value: line.text,
                                        problem: "the line has \(values.count) field\(values.count == 1 ? "" : "s") but the header names \(names.count)",
                                        advice: "Give every line a value for each column of the header")
                }
                return values[index].trimmingCharacters(in: .whitespaces)
            }
            func number(_ column: String) throws(AnalyticsError) -> Double {
                let text = try field(column)
                guard let value = Double(text), value.isFinite else {
                    throw .invalidInput(line: line.number, column: column, value: text, problem: "not a number",
                                        advice: "Write a plain decimal number such as 12.5")
                }
                return value
            }
            let id = try field("customer_id")
            guard !id.isEmpty else {
                throw .invalidInput(line: line.number, column: "customer_id", value: id, problem: "the customer id is empty",
                                    advice: "Give every customer an identifier")
            }
            let count = try number("frequency")
            guard count == count.rounded(), Swift.abs(count) < 1e15 else {
                throw .invalidInput(line: line.number, column: "frequency", value: try field("frequency"),
                                    problem: "not a whole number of repeat purchases", advice: "Frequency counts purchases after the first: 0, 1, 2, …")
            }
            let frequency = Int(count), recency = try number("recency"), age = try number("T")
            let monetaryValue = try number("monetary_value")
            if let problem = problem(frequency: frequency, recency: recency, age: age, monetaryValue: monetaryValue) {
                throw .invalidInput(line: line.number, column: problem.field, value: try field(problem.field), problem: problem.rule,
                                    advice: "Check the line against the definitions: frequency = repeat purchases, recency = first to last purchase, "
                                        + "T = first purchase to the end of the period, monetary_value = mean repeat purchase value")
            }
            customers.append(try RFMSummary(id: id, frequency: frequency, recency: recency, age: age, monetaryValue: monetaryValue))
        }
        return customers
    }

    /// Splits one CSV line into fields; a field in double quotes may contain commas and doubled quotes.
    static func fields(of line: String, line number: Int) throws(AnalyticsError) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false, afterQuote = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    quoted = false
                    afterQuote = true
                } else {
                    current.append(character)
                }
            } else if character == "," {
                fields.append(current)
                current = ""
                afterQuote = false
            } else if character == "\"" {
                if afterQuote { current.append("\"") }  // "" inside a quoted field
                quoted = true
            } else {
                current.append(character)
            }
        }
        if quoted {
            throw .invalidInput(line: number, column: "field \(fields.count + 1)", value: line, problem: "a quoted field is not closed",
                                advice: "Close the field with a double quote (write \"\" for a quote inside it)")
        }
        fields.append(current)
        return fields
    }
}
