import ArgumentParser
import FacetStore
import Foundation
import GROQ

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
                let result = try dataset.restore(id: id, to: point, options: TransactionOptions(author: ProcessInfo.processInfo.environment["USER"], source: "restore"))
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
