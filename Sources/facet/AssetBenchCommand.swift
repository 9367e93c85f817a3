import ArgumentParser
import FacetAssets
import FacetServer
import FacetStore
import Foundation
import SchemaTypes

/// `facet bench assets`: what uploads and image transforms cost, and how fast a cached
/// thumbnail is served over HTTP.
struct AssetBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assets",
        abstract: "Benchmark uploads (MB/s), transforms (images/s, cold and cached) and cached thumbnails over HTTP.",
        discussion: """
            The HTTP part needs wrk (Debian: apt-get install wrk). Build with `swift build -c release` first: debug \
            builds are many times slower. The load generator shares the machine with the server.

            Example:
              swift build -c release --product facet && .build/release/facet bench assets --connections 32 --seconds 10
            """)

    @Option(help: "Distinct 2000 × 1500 JPEG photographs uploaded (each painted differently, so none is deduplicated).")
    var uploads = 8

    @Option(help: "Transforms timed, cold (no cache) and cached.")
    var transforms = 24

    @Option(help: "Concurrent keep-alive connections for the cached-thumbnail load.")
    var connections = 32

    @Option(help: "How long to drive the cached thumbnail, in seconds (after a 2-second warm-up).")
    var seconds = 10

    func validate() throws {
        guard (1...200).contains(uploads) else { throw ValidationError("--uploads must be between 1 and 200") }
        guard (1...1_000).contains(transforms) else { throw ValidationError("--transforms must be between 1 and 1000") }
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be between 1 and 10000") }
        guard (1...3600).contains(seconds) else { throw ValidationError("--seconds must be between 1 and 3600") }
    }

    /// A 2000 × 1500 picture with texture everywhere (a flat one would compress to nothing and
    /// flatter every figure), varied by `seed`.
    static func photograph(seed: Int) throws -> [UInt8] {
        let (width, height) = (2000, 1500)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var noise = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        for y in 0..<height {
            for x in 0..<width {
                noise ^= noise << 13; noise ^= noise >> 7; noise ^= noise << 17
                let grain = Double(noise & 31) - 16
                let u = Double(x) / Double(width), v = Double(y) / Double(height)
                let wave = sin(u * 18 + Double(seed)) * cos(v * 11) * 60
                let offset = (y * width + x) * 3
                pixels[offset] = UInt8(max(0, min(255, 150 + wave + grain + 60 * u)))
                pixels[offset + 1] = UInt8(max(0, min(255, 110 + wave * 0.6 + grain + 40 * v)))
                pixels[offset + 2] = UInt8(max(0, min(255, 90 - wave * 0.4 + grain)))
            }
        }
        return try RasterImage(pixels: pixels, width: width, height: height, bands: 3).encoded(as: .jpg, quality: 85)
    }

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; run `swift build -c release --product facet && .build/release/facet bench assets` for real figures\n")
        #endif
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-bench-assets-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let assets = try AssetLibrary(directory: directory)
        let photographs = try (0..<uploads).map { try Self.photograph(seed: $0) }
        let megabytes = Double(photographs.reduce(0) { $0 + $1.count }) / 1_048_576
        print("\(uploads) JPEG photographs of 2000 × 1500, \(String(format: "%.2f", megabytes / Double(uploads))) MB each")

        // Uploads: sniffing, SHA-1, the header, metadata (one decode: LQIP, BlurHash, palette), the durable write.
        var prepared: [PreparedAsset] = []
        let uploadStart = DispatchTime.now()
        for bytes in photographs {
            let asset = try PreparedAsset(bytes, kind: .images, dataset: "production", options: AssetUploadOptions(), baseURL: "",
                                          maximumPixels: assets.limits.maxImagePixels)
            try assets.storage.write(asset.bytes, to: asset.path)
            prepared.append(asset)
        }
        let uploadSeconds = BenchTiming.milliseconds(since: uploadStart) / 1000
        print(String(format: "  upload (read, describe, store)      %7.1f MB/s   %6.1f images/s", megabytes / uploadSeconds, Double(uploads) / uploadSeconds))

        // Transforms: 2000 × 1500 JPEG to a 400-pixel WebP.
        let transform = try ImageTransform(query: [("w", "400"), ("fm", "webp")])
        let source = prepared[0]
        let coldStart = DispatchTime.now()
        for _ in 0..<transforms {
            _ = try transform.render(source.bytes, source: source.sniffed, acceptsWebP: true, maximumPixels: assets.limits.maxImagePixels,
                                     timeLimit: .seconds(60))
        }
        let cold = Double(transforms) / (BenchTiming.milliseconds(since: coldStart) / 1000)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let parallelStart = DispatchTime.now()
        DispatchQueue.concurrentPerform(iterations: transforms) { _ in
            _ = try? transform.render(source.bytes, source: source.sniffed, acceptsWebP: true, maximumPixels: assets.limits.maxImagePixels,
                                      timeLimit: .seconds(60))
        }
        let parallel = Double(transforms) / (BenchTiming.milliseconds(since: parallelStart) / 1000)
        let key = "\(source.path)?\(transform.canonicalKey)&as=webp"
        _ = try await assets.variants.variant(key) {
            try transform.render(source.bytes, source: source.sniffed, acceptsWebP: true, maximumPixels: 50_000_000, timeLimit: .seconds(60)).bytes
        }
        let cachedStart = DispatchTime.now()
        for _ in 0..<(transforms * 100) { _ = try await assets.variants.variant(key) { [] } }
        let cached = Double(transforms * 100) / (BenchTiming.milliseconds(since: cachedStart) / 1000)
        print(String(format: "  transform → 400 px WebP, cold        %7.1f images/s on 1 thread, %.1f on %d cores", cold, parallel, cores))
        print(String(format: "  transform → 400 px WebP, cached      %7.0f images/s (read from the variant cache)", cached))

        // A cached thumbnail over HTTP under load.
        guard let wrk = ServerBenchCommand.executable("wrk") else {
            print("  cached thumbnail over HTTP: skipped, wrk is not installed (Debian: apt-get install wrk)")
            return
        }
        let store = try DocumentStore(directory: directory + "/data")
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        _ = try dataset.mutate([.createOrReplace(source.document.objectValue ?? [:])])
        var configuration = ServerConfiguration()
        configuration.port = 0
        let api = FacetAPI(store: store, configuration: configuration, assets: assets)
        let script = directory + "/thumbnail.lua"
        try """
            wrk.headers["User-Agent"] = "facet-bench/1.0 (+https://facet.example/bench)"
            request = function() return wrk.format("GET", "/\(source.path)?w=400&fm=webp") end

            """.write(toFile: script, atomically: true, encoding: .utf8)
        let (connections, seconds) = (connections, seconds)
        try await ServerBenchCommand.serving(api) { port in
            _ = try ServerBenchCommand.drive(wrk, port: port, script: script, threads: 2, connections: connections, seconds: 2)
            let result = try ServerBenchCommand.drive(wrk, port: port, script: script, threads: 2, connections: connections, seconds: seconds)
            let verdict = result.requestsPerSecond >= 5_000 ? "meets" : "misses"
            print(String(format: "  cached 400 px thumbnail over HTTP    %7.0f requests/s", result.requestsPerSecond)
                  + "   p50 \(result.p50)  p99 \(result.p99)  (\(connections) connections; target ≥ 5,000 requests/s: \(verdict))"
                  + (result.failures > 0 ? "  \(result.failures) NOT 2xx" : ""))
        }
    }
}
