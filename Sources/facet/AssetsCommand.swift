import ArgumentParser
import FacetAssets
import FacetStore
import Foundation

/// `facet assets`: the uploaded images and files of a data directory.
struct AssetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assets",
        abstract: "Manage uploaded images and files.",
        subcommands: [CollectGarbage.self])

    struct CollectGarbage: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "List the assets that no document and no kept revision refers to; delete them with --yes.",
            discussion: """
                An asset in use by a document, a draft or any revision in the history is kept: restoring that \
                revision needs it. Deleting goes through the mutation pipeline (audited), then removes the bytes.
                """)

        @OptionGroup var store: StoreOptions

        @Flag(name: .long, help: "Delete what is listed (without it, nothing changes).")
        var yes = false

        func run() throws {
            let documents = try store.openStore()
            defer { documents.close() }
            let dataset = try store.openDataset(documents, create: false)
            let assets: AssetLibrary
            assets = try store.openAssets()
            let unused: UnusedAssets
            do { unused = try UnusedAssets(dataset: dataset, storage: assets.storage) } catch { throw CommandFailure("\(error)") }
            guard !unused.assets.isEmpty else {
                print("No unused assets in dataset \(dataset.name).")
                return
            }
            var bytes = 0
            for asset in unused.assets {
                let size = (try? assets.storage.read(asset.path))?.count ?? 0
                bytes += size
                print("  \(asset.id)  \(Self.size(size))\(asset.hasDocument ? "" : "  (its document was deleted)")")
            }
            let summary = "\(unused.assets.count) unused asset\(unused.assets.count == 1 ? "" : "s"), \(Self.size(bytes))"
            guard yes else {
                print("\(summary); nothing deleted. Run again with --yes to delete them.")
                return
            }
            do {
                try unused.remove(from: dataset, storage: assets.storage, options: TransactionOptions(author: "facet assets gc", source: "asset"))
            } catch {
                throw CommandFailure("the unused assets could not be deleted (nothing was): \(error)")
            }
            print("Deleted \(summary).")
        }

        static func size(_ bytes: Int) -> String {
            bytes >= 1_048_576 ? String(format: "%.1f MB", Double(bytes) / 1_048_576) : String(format: "%.1f KB", Double(bytes) / 1024)
        }
    }
}
