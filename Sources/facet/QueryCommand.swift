import ArgumentParser
import Foundation
import FacetStore
import GROQ

/// `facet query`: evaluates a GROQ query over a dataset of the store, or over an NDJSON file,
/// and prints the JSON result.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a GROQ query over a dataset (or an NDJSON file with --file).",
        discussion: """
            Examples:
              facet query --data ./facet-data '*[_type == "customer"]{name}'
              facet query --perspective drafts '*[_id == "c-1"][0]'
              facet query --file export.ndjson --param tier='"gold"' '*[tier == $tier]'
              facet query --explain '*[_type == "customer"]{name, "orders": count(*[references(^._id)])}'

            --explain runs the query and prints its plan instead of the result: each filter over the
            documents with the index that answered it (or "scan of every document"), how many times it
            ran, the rows it expected and kept, and its time. --tree prints the parsed query.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "Query this NDJSON file (one document per line) instead of the store.")
    var file: String?

    @Option(name: .long, help: "raw, published or drafts (default raw).")
    var perspective: String = "raw"

    @Option(name: .customLong("param"), help: "A parameter as name=JSON, e.g. --param limit=10 --param tier='\"gold\"'. Repeatable.")
    var params: [String] = []

    @Flag(name: .long, help: "Indent the JSON output.")
    var pretty = false

    @Flag(name: .long, help: "Run the query and print its plan (indexes used, rows, time per step) instead of the result.")
    var explain = false

    @Flag(name: .long, help: "Print the parsed query tree instead of evaluating it.")
    var tree = false

    @Option(name: .long, help: "With --explain: run the query this many times and explain the last run (the first run also builds the indexes it reads).")
    var runs: Int = 1

    @Argument(help: "The GROQ query.")
    var query: String

    func validate() throws {
        guard (1...1_000).contains(runs) else { throw ValidationError("--runs must be between 1 and 1000 (it runs the query that many times)") }
    }

    func run() throws {
        let parameters = try parseParameters(params)
        let parsed: GROQQuery
        do {
            parsed = try GROQQuery(query, params: parameters)
        } catch {
            throw CommandFailure(error.formatted)
        }
        if tree {
            print(parsed.explanation)
            return
        }
        let chosen: Perspective
        do { chosen = try Perspective(parsing: perspective) } catch { throw CommandFailure(error.description) }
        let profile = explain ? QueryProfile() : nil
        let options = EvaluationOptions(profile: profile)
        let result: JSONValue
        // Opening the store or reading the file is not part of the query's time.
        var elapsed = Duration.zero
        if let file {
            var documents: [JSONValue] = []
            do {
                var reader = try NDJSONReader(path: file)
                try reader.forEach { documents.append($0) }
            } catch {
                throw CommandFailure("cannot read the file \(file): \(error)")
            }
            let source = InMemoryDataset(documents)
            for _ in 1..<max(1, runs) {
                do { _ = try parsed.evaluate(in: source) } catch { throw CommandFailure(error.formatted) }
            }
            let started = ContinuousClock.now
            do {
                result = try parsed.evaluate(in: source, options: options)
            } catch {
                throw CommandFailure(error.formatted)
            }
            elapsed = .now - started
        } else {
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            let dataset = try store.openDataset(documentStore)
            let source = dataset.snapshot.source(chosen)
            for _ in 1..<max(1, runs) {
                do { _ = try parsed.evaluate(in: source) } catch { throw CommandFailure(error.formatted) }
            }
            let started = ContinuousClock.now
            do { result = try parsed.evaluate(in: source, options: options) } catch { throw CommandFailure(error.formatted) }
            // Closing the store (at the end of this block) is not part of the query's time either.
            elapsed = .now - started
        }
        if let profile {
            print(profile.table)
            let count = result.arrayValue.map { "\($0.count) results" } ?? "1 result"
            print("\n\(count) in \(String(format: "%.3f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)) ms (opening the data not included)")
            return
        }
        Output.print(result, pretty: pretty)
    }
}

/// A failure the command reports on stderr with a non-zero exit, without a stack of usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { self.description = message }
}

extension Error {
    /// The error as shown to a person: GROQ errors with the offending line and a caret.
    var formatted: String {
        if let groq = self as? GROQError { return groq.formatted }
        return String(describing: self)
    }
}
