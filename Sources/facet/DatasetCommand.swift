import ArgumentParser
import FacetStore
import Foundation
import GROQ

/// `facet dataset`: list, create, delete, import and export datasets.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Manage datasets and move documents in and out as NDJSON.",
        subcommands: [List.self, Create.self, Delete.self, Import.self, Export.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the datasets' names.")
        @OptionGroup var store: StoreOptions

        func run() throws {
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            do { for name in try documentStore.datasetNames() { print(name) } } catch { throw CommandFailure(error.description) }
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an empty dataset.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The new dataset's name.") var name: String

        func run() throws {
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            do { try documentStore.createDataset(name) } catch { throw CommandFailure(error.description) }
            print("created dataset \(name)")
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a dataset with all its documents and history.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The dataset to delete.") var name: String
        @Flag(name: .long, help: "Required: confirms that everything in the dataset goes.") var force = false

        func run() throws {
            guard force else {
                throw CommandFailure("deleting \(name) removes its documents and history for good; export it first, then add --force")
            }
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            do { try documentStore.deleteDataset(name) } catch { throw CommandFailure(error.description) }
            print("deleted dataset \(name)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an NDJSON file (Sanity's export format).",
            discussion: """
                By default an existing _id is an error; --replace replaces, --missing keeps existing documents. \
                The import is all or nothing: it commits as one unit, so a failure or a kill midway leaves the dataset \
                as it was (and creates no production dataset); other writers wait until it is done.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The NDJSON file.") var file: String
        @Flag(name: .long, help: "Replace documents that exist (createOrReplace).") var replace = false
        @Flag(name: .long, help: "Keep documents that exist (createIfNotExists).") var missing = false
        @Flag(name: .long, help: "Skip bad lines (reported) and import the rest.") var allowFailing = false
        @Option(name: .long, help: "Documents per transaction in history (the import still commits as one unit).") var batchSize = 1_000

        func validate() throws {
            if replace && missing { throw ValidationError("give --replace or --missing, not both") }
            if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        }

        func run() throws {
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            let mode: ImportMode = replace ? .createOrReplace : missing ? .createIfNotExists : .create
            let terminal = isatty(2) == 1
            let options = ImportOptions(mode: mode, allowFailing: allowFailing, batchSize: batchSize)
            let importing = { (dataset: Dataset) throws(StoreError) -> ImportReport in
                try dataset.importNDJSON(path: file, options: options) { progress in
                    guard terminal else { return }
                    let total = progress.total.map { " of \($0)" } ?? ""
                    FileHandle.standardError.write(Data("\r\(progress.phase) \(progress.documents)\(total) documents…".utf8))
                }
            }
            let report: ImportReport
            do {
                // The default dataset is made by its first import, and only if that import succeeds.
                let exists = try documentStore.datasetNames().contains(store.datasetName)
                if !exists && store.datasetName == DocumentStore.defaultDataset {
                    report = try documentStore.creatingDataset(store.datasetName, importing)
                } else {
                    report = try importing(store.openDataset(documentStore, create: false))
                }
            } catch let error as CommandFailure {
                throw error
            } catch {
                if terminal { Output.error("") }
                throw CommandFailure("\(error)")
            }
            if terminal { Output.error("") }
            for failure in report.failures { Output.error("skipped \(failure)") }
            let rate = report.seconds > 0 ? Int(Double(report.imported) / report.seconds) : report.imported
            print("imported \(report.imported) documents in \(report.transactions) transactions (\(String(format: "%.2f", report.seconds)) s, \(rate) documents/s)"
                  + (report.failures.isEmpty ? "" : "; \(report.failures.count) lines skipped"))
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export every document as NDJSON, in _id order.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The NDJSON file to write, or - for standard output.") var file: String
        @Option(name: .long, help: "Only these types, comma-separated.") var types: String?
        @Flag(name: .long, help: "Leave out drafts.") var noDrafts = false

        func run() throws {
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            let dataset = try store.openDataset(documentStore, create: false)
            let handle: FileHandle
            if file == "-" {
                handle = FileHandle.standardOutput
            } else {
                guard FileManager.default.createFile(atPath: file, contents: nil), let opened = FileHandle(forWritingAtPath: file) else {
                    throw CommandFailure("cannot write \(file)")
                }
                handle = opened
            }
            let options = ExportOptions(types: types.map { Set($0.split(separator: ",").map(String.init)) }, includeDrafts: !noDrafts)
            let count = try dataset.exportNDJSON(options) { chunk in try handle.write(contentsOf: chunk) }
            if file != "-" {
                try handle.close()
                print("exported \(count) documents to \(file)")
            }
        }
    }
}
