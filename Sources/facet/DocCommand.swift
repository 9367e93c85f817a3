import ArgumentParser
import FacetStore
import Foundation
import GROQ

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
