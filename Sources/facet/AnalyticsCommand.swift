import ArgumentParser
import FacetAnalytics
import FacetSchema
import FacetStore
import Dispatch
import Foundation
import Synchronization
import GROQ
import StudioConfig

/// `facet analytics`: the customer-lifetime models, run on an analyst's own data.
struct AnalyticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Fit and run the customer analytics models.",
        subcommands: [Fit.self, Run.self])

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

        @Flag(name: .long, help: "Print each stage's start and elapsed seconds to standard error, one line each.")
        var timings = false

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

    /// `facet analytics run MODEL`: what the studio's analytics actions do, from the command line.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the predictive models or the trend analyses on a dataset and write their documents.",
            discussion: """
                MODEL is churn, ltv, next-purchase, affinity, upsell, worklist, trends or all. Without --document, the \
                model is fitted on every client and each client's analyticsModel document of that type is \
                rewritten (trends: the seven trendAnalysis documents; all: every model and trend). With \
                --document ID of a client, only that client's document is written; with the ID of an \
                analyticsDashboard and MODEL all, the dashboard's charts are refreshed too. Documents that did \
                not change are not written again. Progress goes to standard error, the result to standard output \
                as JSON.

                Parameters are those of the studio's actions (--param name=JSON): asOf, horizonDays, cutoff, \
                months, monthlyDiscountRate, goldThreshold, platinumThreshold, minimumContactMonths, \
                affinityCount, retrainSchedule, lapseMultiple, currency.

                Examples:
                  facet analytics run all --data ./facet-data
                  facet analytics run churn --param horizonDays=90 --param cutoff='"2025-06-30"'
                  facet analytics run ltv --document customer-000042
                """)

        @Argument(help: "churn, ltv, next-purchase, affinity, upsell, worklist, trends or all.")
        var model: String

        @OptionGroup var store: StoreOptions

        @Option(name: .long, help: "A client to predict for, or a dashboard to refresh (with all).")
        var document: String?

        @Option(name: .long, help: ArgumentHelp("A parameter of the run, e.g. horizonDays=90.", valueName: "name=JSON"))
        var param: [String] = []

        @Flag(name: .long, help: "Indent the JSON.")
        var pretty = false

        @Flag(name: .long, help: "Print when each stage began, from opening the dataset to closing it, to standard error, one line each.")
        var timings = false

        static let models: [String: ModelDocuments.ModelType] = [
            "churn": .churn, "ltv": .lifetimeValue, "next-purchase": .nextPurchase, "affinity": .affinity, "upsell": .upsell,
            "worklist": .worklist,
        ]
        static let clientActions: [String: DocumentAction] = [
            "churn": CRMActions.predictChurn, "ltv": CRMActions.forecastLifetimeValue, "next-purchase": CRMActions.predictNextPurchase,
            "affinity": CRMActions.scoreAffinity, "upsell": CRMActions.checkUpsell,
        ]

        func validate() throws {
            guard Self.models[model] != nil || ["trends", "all"].contains(model) else {
                throw ValidationError("\(model) is not a model: use churn, ltv, next-purchase, affinity, upsell, worklist, trends or all")
            }
        }

        func run() async throws {
            let params = try parseParameters(param)
            var settings: JSONObject = [:]
            for (name, value) in params.sorted(by: { $0.key < $1.key }) { settings[name] = value }
            // With timings, the clock starts before the dataset opens and stops once it is
            // closed: the command's whole time, not only the refresh's.
            let bar = AnalyticsProgressBar(enabled: isatty(2) == 1 && !timings, timings: timings)
            bar.show("opening the dataset", 0)
            let documentStore = try store.openStore()
            var closed = false
            defer { if !closed { documentStore.close() } }
            let dataset = try store.openDataset(documentStore)
            let target: JSONValue
            if let document {
                guard let found = dataset.document(id: DocumentID.draft(of: document)) ?? dataset.document(id: document) else {
                    throw CommandFailure("--document \(document): no such document in dataset \(store.datasetName)")
                }
                target = found
            } else {
                target = ["_id": "analytics", "_type": "analyticsDashboard"]
            }
            // The bar hears the stages the actions report, as the studio's progress bar does.
            let context = ActionContext(dataset: dataset, documentID: document.map(DocumentID.published(of:)) ?? "analytics", document: target,
                                        params: settings, author: "facet analytics run", progress: ActionProgress(bar.show))
            let result: ActionResult
            do {
                result = try await outcome(context, type: target["_type"]?.stringValue ?? "", progress: bar.show)
            } catch let error as StoreError {
                bar.finish()
                throw CommandFailure(error.description)
            }
            if !timings { bar.finish() }
            Output.error(result.message)
            Output.print(["model": .string(model), "message": .string(result.message), "tone": .string(result.tone.rawValue),
                          "written": .number(Double(result.writtenIDs.count)), "transactionId": result.transactionId.map(JSONValue.string) ?? .null,
                          "result": .object(result.data)], pretty: pretty)
            // Closing waits for the image the next opening reads and for the log's last checkpoint.
            bar.show("closing the dataset", 1)
            documentStore.close()
            closed = true
            if timings { bar.finish() }
            // Everything is written and closed. Freeing the snapshot, the clientele and the
            // forecasts object by object would take seconds on a large dataset and give nothing
            // back: the process ends here instead (the answer went out unbuffered, through FileHandle).
            Foundation.exit(EXIT_SUCCESS)
        }

        private func outcome(_ context: ActionContext, type: String, progress: @escaping AnalyticsProgress) async throws -> ActionResult {
            if document != nil, let action = Self.clientActions[model] {
                guard action.applies(to: type) else {
                    throw CommandFailure("--document \(context.documentID) is a \(type); \(model) predicts for a customer or lizaCustomer")
                }
                return try await action.run(context)
            }
            switch model {
            case "trends":
                return try await TrendRefresh.run(context).result
            case "all":
                if document != nil {
                    guard type == "analyticsDashboard" else {
                        throw CommandFailure("--document \(context.documentID) is a \(type); with all, give an analyticsDashboard (or no document)")
                    }
                    return try await CRMActions.refreshDashboard.run(context)
                }
                progress("reading the clientele", 0)
                let clientele = try await ClienteleHistories.read(context)
                let predictions = try await PredictionRefresh.run(context, clientele: clientele) { stage, done in progress(stage, 0.8 * done) }
                let trends = try await TrendRefresh.run(context, clientele: clientele) { stage, done in progress(stage, 0.8 + 0.2 * done) }
                var result = predictions.result
                result.message = predictions.message + ". " + trends.message
                result.writtenIDs += trends.result.writtenIDs
                result.transactionId = trends.result.transactionId ?? result.transactionId
                result.data = ["predictions": .object(predictions.data), "trends": .object(trends.data)]
                return result
            default:
                guard let type = Self.models[model] else { throw CommandFailure("\(model) is not a model") }
                return try await PredictionRefresh.run(context, types: [type], progress: progress).result
            }
        }
    }
}

/// A one-line progress bar on standard error, redrawn in place; silent when standard error is
/// not a terminal (a log file should not fill with carriage returns).
final class AnalyticsProgressBar: Sendable {
    private let enabled: Bool
    /// With timings, a line per stage instead of the bar: seconds since the start, and the stage.
    private let timings: Bool
    private let start = DispatchTime.now()
    private let lastStage = Mutex<String?>(nil)

    init(enabled: Bool, timings: Bool = false) {
        self.enabled = enabled
        self.timings = timings
    }

    var show: AnalyticsProgress {
        { [self] stage, done in
            if timings {
                let isNew = lastStage.withLock { last in
                    defer { last = stage }
                    return last != stage
                }
                guard isNew else { return }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                FileHandle.standardError.write(Data("\(String(format: "%8.2f", seconds)) s  \(stage)\n".utf8))
                return
            }
            guard enabled else { return }
            let width = 30, filled = Int((min(1, max(0, done)) * Double(width)).rounded())
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(String(format: "%3d", Int((done * 100).rounded())))% \(stage)\u{1B}[K".utf8))
        }
    }

    func finish() {
        if timings {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            FileHandle.standardError.write(Data("\(String(format: "%8.2f", seconds)) s  done\n".utf8))
        }
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
