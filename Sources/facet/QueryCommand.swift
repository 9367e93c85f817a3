import ArgumentParser
import Foundation
import GROQ

/// `facet query`: evaluates a GROQ query over an NDJSON file and prints the JSON result.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a GROQ query over an NDJSON dataset (Sanity's export format).",
        discussion: """
            Examples:
              facet query --dataset export.ndjson '*[_type == "customer"]{name}'
              facet query --dataset export.ndjson --param tier='"gold"' '*[tier == $tier]'
              facet query --explain 'count(*[_type == "order"])'
            """
    )

    @Option(name: .long, help: "The NDJSON file to query (one document per line).")
    var dataset: String?

    @Option(name: .customLong("param"), help: "A parameter as name=JSON, e.g. --param limit=10 --param tier='\"gold\"'. Repeatable.")
    var params: [String] = []

    @Flag(name: .long, help: "Indent the JSON output.")
    var pretty = false

    @Flag(name: .long, help: "Print the parsed query tree instead of evaluating it.")
    var explain = false

    @Argument(help: "The GROQ query.")
    var query: String

    func run() throws {
        let parameters = try parseParameters()
        let parsed: GROQQuery
        do {
            parsed = try GROQQuery(query, params: parameters)
        } catch {
            throw CommandFailure(error.formatted)
        }
        if explain {
            print(parsed.explanation)
            return
        }
        guard let dataset else {
            throw CommandFailure("facet query needs --dataset FILE.ndjson to evaluate a query (or --explain to only parse it)")
        }
        var documents: [JSONValue] = []
        do {
            var reader = try NDJSONReader(path: dataset)
            try reader.forEach { documents.append($0) }
        } catch {
            throw CommandFailure("cannot read the dataset \(dataset): \(error)")
        }
        let result: JSONValue
        do {
            result = try parsed.evaluate(in: InMemoryDataset(documents))
        } catch {
            throw CommandFailure(error.formatted)
        }
        var out: [UInt8] = []
        result.write(to: &out, pretty: pretty)
        out.append(0x0A)
        FileHandle.standardOutput.write(Data(out))
    }

    private func parseParameters() throws -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for param in params {
            guard let equals = param.firstIndex(of: "=") else {
                throw CommandFailure("--param \(param): expected name=JSON, for example --param limit=10")
            }
            let name = String(param[..<equals])
            let json = String(param[param.index(after: equals)...])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw CommandFailure("--param \(param): '\(name)' is not a parameter name (letters, digits and _)")
            }
            do {
                result[name] = try JSONValue(parsing: json)
            } catch {
                throw CommandFailure("--param \(name): the value is not JSON (\(error)); quote strings, e.g. --param \(name)='\"text\"'")
            }
        }
        return result
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
