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
                                         author: author ?? ProcessInfo.processInfo.environment["USER"])
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

/// `facet doc`: prints documents by id, in the doc endpoint's shape.
struct DocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doc",
        abstract: "Print documents by id as {\"documents\": [...], \"omitted\": [...]}.")

    @OptionGroup var store: StoreOptions

    @Flag(name: .long, help: "Indent the JSON output.")
    var pretty = false

    @Argument(help: "Document ids.")
    var ids: [String]

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("give at least one document id") }
    }

    func run() throws {
        let documentStore = try store.openStore()
        defer { documentStore.close() }
        let dataset = try store.openDataset(documentStore)
        var documents: [JSONValue] = []
        var omitted: [JSONValue] = []
        for id in ids {
            if let document = dataset.document(id: id) {
                documents.append(document)
            } else {
                omitted.append(["id": .string(id), "reason": "existence"])
            }
        }
        Output.print(["documents": .array(documents), "omitted": .array(omitted)], pretty: pretty)
    }
}

/// `facet history`: a document's transactions, or its state at a revision or time.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List a document's transactions, or print it as of a revision or a time.",
        discussion: """
            Examples:
              facet history c-1                       # its transactions, one JSON line each
              facet history c-1 --revision Fq3v…      # the document at that revision
              facet history c-1 --at 2026-01-31T09:00:00Z
              facet history c-1 --revision Fq3v… --restore   # make that state current again
            """)

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "Print the document at this revision (_rev).")
    var revision: String?

    @Option(name: .long, help: "Print the document as it was at this ISO 8601 time.")
    var at: String?

    @Flag(name: .long, help: "Make the chosen revision the current state (a new transaction).")
    var restore = false

    @Flag(name: .long, help: "Newest transactions first.")
    var reverse = false

    @Option(name: .long, help: "At most this many transactions.")
    var limit: Int?

    @Flag(name: .long, help: "Indent the JSON output.")
    var pretty = false

    @Argument(help: "The document id.")
    var id: String

    func validate() throws {
        if revision != nil && at != nil { throw ValidationError("give --revision or --at, not both") }
        if restore && revision == nil && at == nil { throw ValidationError("--restore needs --revision or --at") }
    }

    func run() throws {
        let documentStore = try store.openStore()
        defer { documentStore.close() }
        let dataset = try store.openDataset(documentStore)
        do {
            let point: RevisionPoint? = revision.map(RevisionPoint.revision) ?? at.map(RevisionPoint.time)
            if let point, restore {
                let result = try dataset.restore(id: id, to: point, options: TransactionOptions(author: ProcessInfo.processInfo.environment["USER"]))
                Output.print(result.json(TransactionOptions()))
            } else if let point {
                guard let document = try dataset.document(id: id, at: point) else {
                    throw CommandFailure("\(id) did not exist at \(revision.map { "revision \($0)" } ?? at ?? "")")
                }
                Output.print(document, pretty: pretty)
            } else {
                for transaction in try dataset.transactions(documentIDs: [id], filter: HistoryFilter(reverse: reverse, limit: limit)) {
                    Output.print(transaction.historyJSON(), pretty: pretty)
                }
            }
        } catch let error as StoreError {
            throw CommandFailure(error.description)
        }
    }
}
