internal import CVips
import Foundation
import Synchronization

/// An image opened by libvips: its header is read at once, its pixels only when an operation or
/// an encoder asks for them, so that refusing an oversized image costs nothing.
///
/// Every operation returns a new image and leaves this one as it was; the encoded bytes it came
/// from are kept alive as long as any image made from them.
///
/// ```swift
/// let image = try RasterImage(decoding: bytes)
/// guard image.width * image.height <= limit else { … }
/// let thumbnail = try image.resized(toWidth: 400).encoded(as: .webp(quality: 80))
/// ```
public final class RasterImage: @unchecked Sendable {
    // `@unchecked`: libvips images are immutable once made and libvips is thread-safe; this class
    // only owns a reference to one and the bytes it reads from.
    let pointer: UnsafeMutablePointer<VipsImage>
    private let source: SourceBytes

    /// The encoded bytes libvips reads from, which must outlive every image made from them.
    final class SourceBytes: @unchecked Sendable {
        let buffer: UnsafeMutableRawBufferPointer
        let count: Int
        init(_ bytes: some Collection<UInt8>) {
            count = bytes.count
            buffer = .allocate(byteCount: max(1, bytes.count), alignment: 16)
            _ = buffer.initializeMemory(as: UInt8.self, from: bytes)
        }
        deinit { buffer.deallocate() }
    }

    /// Opens encoded bytes (JPEG, PNG, WebP, GIF, TIFF, AVIF, HEIC); only the header is read.
    ///
    /// - Throws: ``AssetError/Kind/unreadable`` when libvips has no trusted loader for the bytes
    ///   or the header is damaged.
    public convenience init(decoding bytes: some Collection<UInt8>) throws(AssetError) {
        ImageLibrary.start()
        let source = SourceBytes(bytes)
        guard facet_vips_loader(source.buffer.baseAddress, bytes.count) != nil,
              let image = facet_vips_open(source.buffer.baseAddress, bytes.count)
        else {
            throw AssetError(.unreadable, "The bytes are not an image Facet can read" + ImageLibrary.lastError(),
                             advice: "send a JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC file")
        }
        self.init(pointer: image, source: source)
    }

    /// The image in `bytes` scaled to exactly `width` × `height` (`exact`), or to fit within them
    /// without enlarging it: upright and in sRGB, decoded at a fraction of its size where the
    /// format allows (JPEG shrinks on load).
    public convenience init(thumbnailOf bytes: some Collection<UInt8>, width: Int, height: Int, exact: Bool) throws(AssetError) {
        ImageLibrary.start()
        let source = SourceBytes(bytes)
        guard facet_vips_loader(source.buffer.baseAddress, bytes.count) != nil,
              let image = facet_vips_thumbnail(source.buffer.baseAddress, bytes.count, Int32(width), Int32(height), exact ? 1 : 0)
        else {
            throw AssetError(.unreadable, "The image could not be read" + ImageLibrary.lastError(),
                             advice: "the file may be truncated or damaged: upload it again")
        }
        self.init(pointer: image, source: source)
    }

    /// An image from 8-bit pixels, `bands` bytes each (1 grey, 2 grey and alpha, 3 RGB, 4 RGBA),
    /// row by row: pictures made by a program (the demo's, the tests').
    public convenience init(pixels: [UInt8], width: Int, height: Int, bands: Int) throws(AssetError) {
        ImageLibrary.start()
        guard width > 0, height > 0, (1...4).contains(bands), pixels.count == width * height * bands else {
            throw AssetError(.unreadable, "\(pixels.count) bytes are not \(width) × \(height) pixels of \(bands) bands")
        }
        let source = SourceBytes([UInt8]())
        guard let image = pixels.withUnsafeBytes({ facet_vips_from_pixels($0.baseAddress, $0.count, Int32(width), Int32(height), Int32(bands)) }) else {
            throw AssetError(.unreadable, "The pixels could not be made into an image" + ImageLibrary.lastError())
        }
        self.init(pointer: image, source: source)
    }

    init(pointer: UnsafeMutablePointer<VipsImage>, source: SourceBytes) {
        self.pointer = pointer
        self.source = source
    }

    deinit { facet_vips_release(pointer) }

    /// The encoded bytes this image was decoded from (empty for one made from pixels); valid
    /// while this image lives.
    var sourceBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(source.buffer)[..<source.count]) }

    public var width: Int { Int(facet_vips_width(pointer)) }
    public var height: Int { Int(facet_vips_height(pointer)) }
    public var bands: Int { Int(facet_vips_bands(pointer)) }
    public var hasAlpha: Bool { facet_vips_has_alpha(pointer) != 0 }
    /// The EXIF orientation, 1 to 8; 1 when the file has none.
    public var orientation: Int { Int(facet_vips_orientation(pointer)) }

    /// Width and height as a viewer shows them, after the EXIF orientation is applied.
    public var displayedSize: (width: Int, height: Int) {
        (5...8).contains(orientation) ? (height, width) : (width, height)
    }

    /// The image's metadata fields (`exif-ifd0-Make`, …) as text, by name.
    public func metadataFields(prefix: String) -> [String: String] {
        guard let names = facet_vips_field_names(pointer) else { return [:] }
        defer { facet_vips_free_names(names) }
        var fields: [String: String] = [:]
        var index = 0
        while let name = names[index] {
            index += 1
            let key = String(cString: name)
            guard key.hasPrefix(prefix), let text = facet_vips_field_text(pointer, name) else { continue }
            fields[key] = String(cString: text)
            facet_vips_free(text)
        }
        return fields
    }

    // MARK: Operations

    /// Runs one libvips operation; a NULL result becomes an error naming the operation.
    func derived(_ operation: String, _ make: (UnsafeMutablePointer<VipsImage>) -> UnsafeMutablePointer<VipsImage>?) throws(AssetError) -> RasterImage {
        guard let result = make(pointer) else {
            throw AssetError(.unreadable, "The image could not be processed (\(operation))" + ImageLibrary.lastError())
        }
        return RasterImage(pointer: result, source: source)
    }

    /// Turned upright as its EXIF orientation says.
    public func upright() throws(AssetError) -> RasterImage {
        orientation == 1 ? self : try derived("autorotate") { facet_vips_autorotate($0) }
    }

    /// In sRGB with 8 bits per band.
    public func sRGB() throws(AssetError) -> RasterImage { try derived("colourspace") { facet_vips_srgb($0) } }

    /// Scaled by the given factors (Lanczos 3).
    public func scaled(horizontally: Double, vertically: Double) throws(AssetError) -> RasterImage {
        try derived("resize") { facet_vips_resize($0, horizontally, vertically) }
    }

    /// Scaled to exactly `width` × `height` pixels.
    public func resized(toWidth width: Int, height: Int) throws(AssetError) -> RasterImage {
        guard width != self.width || height != self.height else { return self }
        // libvips rounds the scaled size; aim at the middle of the target pixel, then trim or pad the last one.
        let scaled = try scaled(horizontally: (Double(width) + 0.25) / Double(self.width),
                                vertically: (Double(height) + 0.25) / Double(self.height))
        if scaled.width == width, scaled.height == height { return scaled }
        return try scaled.cropped(left: 0, top: 0, width: min(width, scaled.width), height: min(height, scaled.height))
    }

    /// The rectangle given, which must lie inside the image.
    public func cropped(left: Int, top: Int, width: Int, height: Int) throws(AssetError) -> RasterImage {
        try derived("extract_area") { facet_vips_extract($0, Int32(left), Int32(top), Int32(width), Int32(height)) }
    }

    /// Cropped to `width` × `height`, keeping the busiest part (`entropy`) or the centre.
    public func smartCropped(width: Int, height: Int, entropy: Bool) throws(AssetError) -> RasterImage {
        try derived("smartcrop") { facet_vips_smartcrop($0, Int32(width), Int32(height), entropy ? 1 : 0) }
    }

    /// Placed at (`left`, `top`) on a canvas of `colour` (red, green, blue, alpha: 0–255).
    public func placed(onCanvasWidth width: Int, height: Int, left: Int, top: Int, colour: [Double]) throws(AssetError) -> RasterImage {
        let fill = Array(colour.prefix(bands)) + Array(repeating: 255, count: max(0, bands - colour.count))
        return try derived("embed") { image in
            fill.withUnsafeBufferPointer { facet_vips_embed(image, Int32(left), Int32(top), Int32(width), Int32(height), $0.baseAddress, Int32(bands)) }
        }
    }

    /// Without its alpha band, blended onto `colour` (red, green, blue: 0–255).
    public func flattened(onto colour: [Double]) throws(AssetError) -> RasterImage {
        guard hasAlpha else { return self }
        return try derived("flatten") { image in colour.withUnsafeBufferPointer { facet_vips_flatten(image, $0.baseAddress) } }
    }

    /// With an opaque alpha band added when it has none.
    public func withAlpha() throws(AssetError) -> RasterImage {
        hasAlpha ? self : try derived("addalpha") { facet_vips_add_alpha($0) }
    }

    /// Mirrored left to right (`horizontal`) or top to bottom.
    public func flipped(horizontal: Bool) throws(AssetError) -> RasterImage {
        try derived("flip") { facet_vips_flip($0, horizontal ? 1 : 0) }
    }

    public func blurred(sigma: Double) throws(AssetError) -> RasterImage { try derived("gaussblur") { facet_vips_blur($0, sigma) } }
    public func sharpened(sigma: Double) throws(AssetError) -> RasterImage { try derived("sharpen") { facet_vips_sharpen($0, sigma) } }

    /// Only the first `count` bands.
    public func firstBands(_ count: Int) throws(AssetError) -> RasterImage {
        bands <= count ? self : try derived("extract_band") { facet_vips_first_bands($0, Int32(count)) }
    }

    /// Rendered into memory once: operations that follow read the pixels instead of decoding again.
    public func inMemory(timeLimit: Duration? = nil) throws(AssetError) -> RasterImage {
        if let timeLimit { facet_vips_limit_time(pointer, timeLimit.microseconds) }
        guard let result = facet_vips_in_memory(pointer) else { throw ImageLibrary.failure("decoding", timeLimit: timeLimit) }
        return RasterImage(pointer: result, source: source)
    }

    /// Whether every pixel is fully opaque (no alpha band, or an alpha band that is 255 everywhere).
    public func isOpaque() throws(AssetError) -> Bool {
        guard hasAlpha else { return true }
        var minimum = 0.0
        guard facet_vips_band_minimum(pointer, Int32(bands - 1), &minimum) == 0 else {
            throw ImageLibrary.failure("read for transparency", timeLimit: nil)
        }
        return minimum >= 255
    }

    // MARK: Output

    /// The pixels of an 8-bit image, `bands` bytes per pixel, row by row.
    public func pixels(timeLimit: Duration? = nil) throws(AssetError) -> [UInt8] {
        if let timeLimit { facet_vips_limit_time(pointer, timeLimit.microseconds) }
        var length = 0
        guard let memory = facet_vips_pixels(pointer, &length) else { throw ImageLibrary.failure("reading pixels", timeLimit: timeLimit) }
        defer { facet_vips_free(memory) }
        return Array(UnsafeRawBufferPointer(start: memory, count: length))
    }

    /// The image encoded in `format`, its metadata stripped; stopped after `timeLimit`.
    public func encoded(as format: ImageFormat, quality: Int = 80, progressive: Bool = false, timeLimit: Duration? = nil) throws(AssetError) -> [UInt8] {
        if let timeLimit { facet_vips_limit_time(pointer, timeLimit.microseconds) }
        var data: UnsafeMutableRawPointer?
        var length = 0
        let failed = facet_vips_encode(pointer, format.encoderName, Int32(quality), progressive ? 1 : 0, &data, &length)
        guard failed == 0, let data else { throw ImageLibrary.failure("encoding \(format.rawValue)", timeLimit: timeLimit) }
        defer { facet_vips_free(data) }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }
}

/// An output format of the image transforms.
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpg, png, webp, gif

    var encoderName: String {
        switch self {
        case .jpg: "jpeg"
        case .png, .webp, .gif: rawValue
        }
    }

    public var mimeType: String {
        switch self {
        case .jpg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .gif: "image/gif"
        }
    }

    /// Whether the format keeps an alpha band.
    public var keepsAlpha: Bool { self != .jpg }
}

/// libvips, started once per process.
enum ImageLibrary {
    private static let started: Bool = facet_vips_start() == 0

    static func start() {
        precondition(started, "libvips could not start: \(lastError())")
    }

    /// Whether libvips runs vector code generated by liborc (never, once started: see
    /// `facet_vips_start`).
    static var runsGeneratedVectorCode: Bool {
        start()
        return facet_vips_vector_enabled() != 0
    }

    /// libvips's last error on this thread, as ": <message>", or "" when there is none.
    static func lastError() -> String {
        guard let text = facet_vips_error() else { return "" }
        let message = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        facet_vips_error_clear()
        return message.isEmpty ? "" : ": " + message.replacingOccurrences(of: "\n", with: "; ")
    }

    /// The error of a failed evaluation: a time-out when libvips was killed by its time limit.
    static func failure(_ what: String, timeLimit: Duration?) -> AssetError {
        let message = lastError()
        if timeLimit != nil, message.contains("killed") {
            return AssetError(.timedOut, "The image took longer than its time limit (\(timeLimit!)) while \(what)",
                              advice: "ask for a smaller image or try again when the server is less busy")
        }
        return AssetError(.unreadable, "The image could not be \(what)" + message,
                          advice: "the file may be truncated or damaged: upload it again")
    }
}

extension Duration {
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
