import FacetAssets
import FacetServer
import FacetStore
import GROQ
import SchemaTypes

/// The CRM demo as a ``DatasetStarter``: what an admin loads from the studio's first screen on an
/// empty dataset — the same generated house as `facet demo seed`, at a size that loads in seconds.
enum DemoStarter {
    /// The demo with `customers` clients drawn from `seed`, written batch by batch as
    /// `facet demo seed` writes it (every document validated and reference-checked).
    static func crm(customers: Int = 120, seed: UInt64 = 1, batchSize: Int = 2_000, assets: AssetLibrary? = nil) -> DatasetStarter {
        DatasetStarter(
            name: "crm-demo", title: "Demo CRM",
            description: """
                A fine-jewelry house with \(customers) clients and LIZA VIPs, their advisors, four years of orders and \
                interactions, campaigns, the catalogue and an analytics dashboard. Made up, safe to edit and delete.
                """
        ) { dataset, options in
            let content = try CRMDemo(customers: customers, seed: seed).generate()
            var written = 0
            for batch in DemoContent.Batch.allCases {
                let size = content.count(of: batch)
                for start in stride(from: 0, to: size, by: batchSize) {
                    var documents = content.documents(of: batch, in: start..<min(size, start + batchSize))
                    if let assets, batch == .collections || batch == .products {
                        documents = try DemoPictures(assets: assets, dataset: dataset).illustrate(documents, options: options)
                    }
                    _ = try dataset.mutate(documents.compactMap { $0.objectValue.map(Mutation.createOrReplace) }, options: options)
                    // Staff are written twice (see DemoContent): once counted.
                    if batch != .clientBooks { written += documents.count }
                }
            }
            return written
        }
    }
}
