import FacetAssets
import FacetStore
import Foundation
import GROQ
import SchemaTypes

/// The demo catalogue's pictures: painted for each collection and product
/// (``CataloguePictures``), stored as image assets with their metadata, and set on the
/// documents (`heroImage`, `images`) before those are written.
struct DemoPictures {
    let assets: AssetLibrary
    let dataset: Dataset

    /// `documents` with a picture on each collection and product; the pictures' asset documents
    /// are committed first (in one transaction), so every reference has its target.
    func illustrate(_ documents: [JSONValue], options: TransactionOptions) throws -> [JSONValue] {
        let plans: [(index: Int, picture: @Sendable () -> CataloguePictures.Picture, alt: String)] = documents.enumerated().compactMap { index, document in
            switch document["_type"]?.stringValue {
            case "product":
                let category = document["category"]?.stringValue ?? "rings", metal = document["metal"]?.stringValue ?? "yellow-gold"
                let stones = document["gemstones"]?.arrayValue?.compactMap(\.stringValue) ?? []
                let collection = document["collection"]?["_ref"]?.stringValue ?? ""
                let name = document["name"]?.stringValue ?? "The piece"
                let material = metal.replacingOccurrences(of: "-", with: " ")
                return (index, { CataloguePictures.product(category: category, metal: metal, gemstones: stones, collection: collection) },
                        "\(name), in \(material)" + (stones.isEmpty ? "" : " with " + stones.joined(separator: " and ")))
            case "collection":
                let title = document["title"]?.stringValue ?? "Collection"
                let id = document["_id"]?.stringValue ?? ""
                return (index, { CataloguePictures.collection(title: id, metals: Self.metals(title)) }, "The \(title) collection")
            default:
                return nil
            }
        }
        guard !plans.isEmpty else { return documents }
        // Painting and encoding are the slow part: on every core.
        let prepared = Results(count: plans.count)
        let name = dataset.name, assets = self.assets
        DispatchQueue.concurrentPerform(iterations: plans.count) { index in
            prepared.store(index, Result { () throws(AssetError) -> PreparedAsset in
                let picture = plans[index].picture()
                let image = try RasterImage(pixels: picture.pixels, width: picture.width, height: picture.height, bands: 3)
                let bytes = try image.encoded(as: .jpg, quality: 86)
                var options = AssetUploadOptions()
                options.originalFilename = "demo-\(index + 1).jpg"
                options.creditLine = "Painted by facet demo seed"
                return try PreparedAsset(bytes, kind: .images, dataset: name, options: options, baseURL: "", maximumPixels: assets.limits.maxImagePixels)
            })
        }
        var illustrated = documents
        var assetDocuments: [JSONObject] = []
        for (position, plan) in plans.enumerated() {
            let asset: PreparedAsset
            do { asset = try prepared.value(position) } catch { throw CommandFailure("a demo picture could not be made: \(error)") }
            do { try assets.storage.write(asset.bytes, to: asset.path) } catch { throw CommandFailure("a demo picture could not be stored: \(error)") }
            var document = asset.document.objectValue ?? [:]
            // Relative: the server serves it, whatever address it is reached by.
            document["url"] = .string("/" + asset.path.description)
            assetDocuments.append(document)
            let image: JSONValue = ["_type": "image", "asset": ["_type": "reference", "_ref": .string(asset.id)], "alt": .string(plan.alt)]
            guard case .object(var target) = illustrated[plan.index] else { continue }
            if target["_type"] == "product" {
                var keyed = image.objectValue ?? [:]
                keyed["_key"] = .string(String(asset.id.dropFirst("image-".count).prefix(12)))
                target["images"] = [.object(keyed)]
            } else {
                target["heroImage"] = image
            }
            illustrated[plan.index] = .object(target)
        }
        _ = try dataset.mutate(assetDocuments.map(Mutation.createOrReplace), options: options)
        return illustrated
    }

    /// The metals a collection's banner shows, picked from its title.
    static func metals(_ title: String) -> [String] {
        let all = ["yellow-gold", "white-gold", "rose-gold", "platinum", "silver"]
        let start = title.utf8.reduce(0) { ($0 + Int($1)) % all.count }
        return (0..<3).map { all[(start + $0 * 2) % all.count] }
    }

    /// Results filled from several threads, one slot each.
    final class Results: @unchecked Sendable {
        // Each slot is written by exactly one iteration and read after all have finished; the
        // slots never move, so no two threads touch the same memory.
        private let slots: UnsafeMutableBufferPointer<Result<PreparedAsset, AssetError>?>
        init(count: Int) {
            slots = .allocate(capacity: count)
            slots.initialize(repeating: nil)
        }
        deinit {
            slots.deinitialize()
            slots.deallocate()
        }
        func store(_ index: Int, _ result: Result<PreparedAsset, AssetError>) { slots[index] = result }
        func value(_ index: Int) throws(AssetError) -> PreparedAsset { try slots[index]!.get() }
    }
}
