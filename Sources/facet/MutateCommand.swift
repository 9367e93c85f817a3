import ArgumentParser
import FacetStore
import Foundation
import GROQ

/// `facet mutate`: applies a Sanity mutations body as one transaction.
struct MutateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutate",
        abstract: "Apply a Sanity mutations body ({\"mutations\": [...]}) as one transaction.",
        discussion: """
            Prints Sanity's result: {"transactionId", "results": [{"id", "operation"}]}.
            With --stream, each input line is a body of its own, committed and answered as it
            arrives (one result line per transaction), e.g. to feed a long stream from a pipe.

            Examples:
              facet mutate --data ./facet-data changes.json
              echo '{"mutations":[{"create":{"_type":"customer","name":"Ada"}}]}' | facet mutate -
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "A file holding the mutations body, or - for standard input.")
    var input: String

    @Flag(name: .long, help: "Check everything, write nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Add documentIds to the result.")
    var returnIds = false

    @Flag(name: .long, help: "Add each resulting document to the result.")
    var returnDocuments = false

    @Option(name: .long, help: "The transaction id (must be new to the dataset).")
    var transactionId: String?

    @Option(name: .long, help: "Recorded in history as the author (default: $USER).")
    var author: String?

    @Flag(name: .long, help: "Read one mutations body per line and commit each as it arrives.")
    var stream = false

    func run() throws {
        let documentStore = try store.openStore()
        defer { documentStore.close() }
        let dataset = try store.openDataset(documentStore)
        var options = TransactionOptions(returnIds: returnIds, returnDocuments: returnDocuments, dryRun: dryRun,
                                         transactionId: transactionId,
                                         author: author ?? ProcessInfo.processInfo.environment["USER"], source: "cli")
        if stream {
            var lineNumber = 0
            while let line = readLine(strippingNewline: true) {
                lineNumber += 1
                guard !line.allSatisfy(\.isWhitespace) else { continue }
                do {
                    let result = try dataset.mutate(Mutation.list(parsing: line), options: options)
                    Output.print(result.json(options))
                } catch {
                    throw CommandFailure("line \(lineNumber): \(error.description)")
                }
                options.transactionId = nil
            }
            return
        }
        let text: String
        if input == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: input) else {
                throw CommandFailure("cannot read \(input): no such file, or it is not readable")
            }
            text = String(decoding: data, as: UTF8.self)
        }
        do {
            let result = try dataset.mutate(Mutation.list(parsing: text), options: options)
            Output.print(result.json(options))
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
