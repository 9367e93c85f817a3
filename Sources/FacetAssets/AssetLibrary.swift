import Foundation

/// The limits on what an upload or a transform may cost.
public struct AssetLimits: Sendable, Equatable {
    /// The largest upload body (64 MiB by default); larger ones get 413.
    public var maxBytes = 64 * 1024 * 1024
    /// The most pixels (width × height) an image may have, checked from its header before any
    /// pixel is decoded; larger ones get 422.
    public var maxImagePixels = 50_000_000
    /// How long one transform may run before it is stopped (503).
    public var transformTimeLimit: Duration = .seconds(10)
    /// The disk space the transformed variants may take (512 MiB by default).
    public var variantCacheBytes = 512 * 1024 * 1024

    public init() {}
}

/// A data directory's assets: the stored originals, the cache of transformed variants, and the
/// limits uploads and transforms obey.
///
/// ```swift
/// let assets = try AssetLibrary(directory: "facet-data")   // facet-data/assets, facet-data/asset-variants
/// let api = FacetAPI(store: store, assets: assets)
/// ```
public struct AssetLibrary: Sendable {
    public let storage: any AssetStorage
    public let variants: VariantCache
    public let limits: AssetLimits

    public init(storage: any AssetStorage, variants: VariantCache, limits: AssetLimits = AssetLimits()) {
        self.storage = storage
        self.variants = variants
        self.limits = limits
    }

    /// The assets of the data directory `directory`: originals under `assets/`, variants under
    /// `asset-variants/`.
    public init(directory: String, limits: AssetLimits = AssetLimits()) throws(AssetError) {
        let root = URL(fileURLWithPath: directory, isDirectory: true)
        self.init(storage: try AssetDirectory(root: root.appendingPathComponent("assets")),
                  variants: try VariantCache(folder: root.appendingPathComponent("asset-variants"), limit: limits.variantCacheBytes),
                  limits: limits)
    }
}
