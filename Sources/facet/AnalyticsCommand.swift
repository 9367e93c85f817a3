import ArgumentParser
import FacetAnalytics
import Foundation
import GROQ

/// `facet analytics`: the customer-lifetime models, run on an analyst's own data.
struct AnalyticsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Fit and run the customer analytics models.",
        subcommands: [Fit.self])

    /// `facet analytics fit --rfm FILE.csv`: BG/NBD and Gamma-Gamma by maximum likelihood.
    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit BG/NBD and Gamma-Gamma to a recency-frequency-monetary summary and print the parameters as JSON.",
            discussion: """
                The CSV has a header row with the columns customer_id, frequency, recency, T and
                monetary_value — the layout of lifetimes' summary_data_from_transaction_data:
                frequency counts repeat purchases, recency and T are in one time unit (the fitted
                alpha is in that unit), monetary_value is the mean value of the repeat purchases.
                Gamma-Gamma is fitted on the customers with frequency > 0.

                Examples:
                  facet analytics fit --rfm customers.csv
                  facet analytics fit --rfm - < customers.csv     # read standard input
                """)

        @Option(name: .long, help: ArgumentHelp("The summary CSV ('-' for standard input).", valueName: "FILE.csv"))
        var rfm: String

        @Flag(name: .long, help: "Indent the JSON.")
        var pretty = false

        func run() throws {
            let text = try readInput()
            let source = rfm == "-" ? "standard input" : rfm
            let customers: [RFMSummary]
            do { customers = try RFMSummary.parseCSV(text) } catch { throw CommandFailure("\(source): \(error)") }
            let bgnbd: BGNBDFit, gammaGamma: GammaGammaFit
            do {
                bgnbd = try BGNBDModel.fit(customers)
                gammaGamma = try GammaGammaModel.fit(customers)
            } catch {
                throw CommandFailure("\(source): \(error)")
            }
            Output.print([
                "bgnbd": [
                    "r": .number(bgnbd.model.r), "alpha": .number(bgnbd.model.alpha),
                    "a": .number(bgnbd.model.a), "b": .number(bgnbd.model.b),
                    "logLikelihood": .number(bgnbd.logLikelihood), "iterations": .number(Double(bgnbd.iterations)),
                    "customers": .number(Double(bgnbd.customers)),
                    "standardErrors": bgnbd.standardErrors.map { errors in
                        ["r": .number(errors.r), "alpha": .number(errors.alpha), "a": .number(errors.a), "b": .number(errors.b)]
                    } ?? .null,
                ],
                "gammaGamma": [
                    "p": .number(gammaGamma.model.p), "q": .number(gammaGamma.model.q), "gamma": .number(gammaGamma.model.gamma),
                    "logLikelihood": .number(gammaGamma.logLikelihood), "iterations": .number(Double(gammaGamma.iterations)),
                    "customers": .number(Double(gammaGamma.customers)),
                    "standardErrors": gammaGamma.standardErrors.map { errors in
                        ["p": .number(errors.p), "q": .number(errors.q), "gamma": .number(errors.gamma)]
                    } ?? .null,
                ],
            ], pretty: pretty)
        }

        private func readInput() throws -> String {
            if rfm == "-" {
                return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            }
            guard FileManager.default.fileExists(atPath: rfm) else {
                throw CommandFailure("\(rfm): no such file. Give the path of a CSV with the columns \(RFMSummary.csvColumns.joined(separator: ","))")
            }
            do { return try String(contentsOfFile: rfm, encoding: .utf8) } catch {
                throw CommandFailure("\(rfm): cannot be read as UTF-8 text (\(error.localizedDescription))")
            }
        }
    }
}
