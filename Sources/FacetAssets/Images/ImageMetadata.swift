import Foundation
import GROQ

/// What Facet reads from an uploaded image, as Sanity's `sanity.imageMetadata`: dimensions as a
/// viewer shows them (after the EXIF orientation), transparency, a tiny placeholder (`lqip`), a
/// BlurHash, the palette, and on request the EXIF fields and the GPS location.
///
/// ```swift
/// let image = try RasterImage(decoding: bytes)
/// let metadata = try ImageMetadata(of: image, extracting: [.lqip, .palette, .blurhash])
/// metadata.json["dimensions"]?["width"]   // 2000
/// ```
public struct ImageMetadata: Sendable {
    /// The optional parts of the metadata, named as Sanity's `meta[]` upload parameter names them.
    public enum Part: String, Sendable, CaseIterable {
        case lqip, palette, blurhash, exif, location
        /// What Sanity extracts when `meta[]` is not given.
        public static let standard: Set<Part> = [.lqip, .palette, .blurhash]

        /// The parts named by `meta[]` values; unknown names are an error listing the valid ones.
        public static func parse(_ names: [String]) throws(AssetError) -> Set<Part> {
            var parts = Set<Part>()
            for name in names {
                // Sanity also accepts "image" (always extracted here) and "none".
                if name == "image" || name == "none" { continue }
                guard let part = Part(rawValue: name) else {
                    throw AssetError(.badParameter, "meta[] does not know \"\(name)\"",
                                     advice: "use any of " + (allCases.map(\.rawValue) + ["image", "none"]).joined(separator: ", "))
                }
                parts.insert(part)
            }
            return parts
        }
    }

    public var width: Int
    public var height: Int
    public var hasAlpha: Bool
    public var isOpaque: Bool
    public var lqip: String?
    public var blurHash: String?
    public var palette: ImagePalette?
    public var exif: JSONObject?
    public var location: (latitude: Double, longitude: Double)?

    /// Reads the metadata of `image`, decoding its pixels once.
    public init(of image: RasterImage, extracting parts: Set<Part> = Part.standard) throws(AssetError) {
        (width, height) = image.displayedSize
        hasAlpha = image.hasAlpha
        if parts.contains(.exif) { exif = Self.exif(image.metadataFields(prefix: "exif-")) }
        if parts.contains(.location) { location = Self.location(image.metadataFields(prefix: "exif-ifd3-")) }
        let needsPixels = !parts.isDisjoint(with: [.lqip, .blurhash, .palette])
        // Transparency needs every pixel, but only images with an alpha band are read whole.
        isOpaque = hasAlpha ? try image.upright().sRGB().isOpaque() : true
        guard needsPixels else { return }
        // One small decode (a JPEG shrinks on load): a sample at most 256 pixels on its longer
        // side, kept in memory, feeds every placeholder and the palette.
        let sample = try RasterImage(thumbnailOf: image.sourceBytes, width: 256, height: 256, exact: false).sRGB().inMemory()
        if parts.contains(.lqip) {
            let tiny = try Self.fitted(sample, within: 20).flattened(onto: [255, 255, 255]).firstBands(3)
            lqip = "data:image/jpeg;base64," + Data(try tiny.encoded(as: .jpg, quality: 40)).base64EncodedString()
        }
        if parts.contains(.blurhash) {
            let small = try Self.fitted(sample, within: 32).flattened(onto: [255, 255, 255])
            let pixels = try small.pixels()
            blurHash = BlurHash(pixels: pixels, width: small.width, height: small.height, bands: small.bands).description
        }
        if parts.contains(.palette) {
            let small = try Self.fitted(sample, within: 100)
            palette = ImagePalette(pixels: try small.pixels(), bands: small.bands)
        }
    }

    /// `image` scaled down so that its longer side is at most `side` (never scaled up).
    static func fitted(_ image: RasterImage, within side: Int) throws(AssetError) -> RasterImage {
        let longer = max(image.width, image.height)
        guard longer > side else { return image }
        let scale = Double(side) / Double(longer)
        return try image.resized(toWidth: max(1, Int((Double(image.width) * scale).rounded())),
                                 height: max(1, Int((Double(image.height) * scale).rounded())))
    }

    /// Sanity's `sanity.imageMetadata` object.
    public var json: JSONValue {
        var object: JSONObject = [
            "_type": "sanity.imageMetadata",
            "dimensions": ["_type": "sanity.imageDimensions", "width": .number(Double(width)), "height": .number(Double(height)),
                           "aspectRatio": .number(height == 0 ? 0 : Double(width) / Double(height))],
            "hasAlpha": .bool(hasAlpha),
            "isOpaque": .bool(isOpaque),
        ]
        if let lqip { object["lqip"] = .string(lqip) }
        if let blurHash { object["blurHash"] = .string(blurHash) }
        if let palette { object["palette"] = palette.json }
        if let exif { object["exif"] = .object(exif) }
        if let location { object["location"] = ["_type": "geopoint", "lat": .number(location.latitude), "lng": .number(location.longitude)] }
        return .object(object)
    }

    /// libvips gives an EXIF field as "<value> (<readable>, <format>, <count> components, <size> bytes)";
    /// Sanity's `exif` holds each tag's value under its tag name, numbers as numbers.
    static func exif(_ fields: [String: String]) -> JSONObject {
        var object: JSONObject = ["_type": "sanity.imageExifMetadata"]
        for key in fields.keys.sorted() {
            guard let tag = key.split(separator: "-").last.map(String.init), !tag.hasPrefix("GPS"), let text = fields[key] else { continue }
            let value = Self.exifValue(text)
            guard !value.isEmpty else { continue }
            if let number = Double(value) {
                object[tag] = .number(number)
            } else if let fraction = Self.rational(value) {
                object[tag] = .number(fraction)
            } else {
                object[tag] = .string(value)
            }
        }
        return object
    }

    /// The value part of a libvips EXIF text: what comes before the parenthesised description.
    static func exifValue(_ text: String) -> String {
        guard let open = text.range(of: " (", options: .backwards) else { return text.trimmingCharacters(in: .whitespaces) }
        return String(text[..<open.lowerBound]).trimmingCharacters(in: .whitespaces)
    }

    /// "5025/100" as 50.25; `nil` for anything else.
    static func rational(_ text: String) -> Double? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let top = Double(parts[0]), let bottom = Double(parts[1]), bottom != 0 else { return nil }
        return top / bottom
    }

    /// The GPS position, from degrees, minutes and seconds and their hemisphere references.
    static func location(_ fields: [String: String]) -> (latitude: Double, longitude: Double)? {
        func angle(_ name: String) -> Double? {
            guard let text = fields["exif-ifd3-" + name] else { return nil }
            let numbers = exifValue(text).split(separator: " ").compactMap { rational(String($0)) ?? Double($0) }
            guard numbers.count == 3 else { return nil }
            return numbers[0] + numbers[1] / 60 + numbers[2] / 3600
        }
        func reference(_ name: String) -> String {
            fields["exif-ifd3-" + name].map(exifValue)?.uppercased() ?? ""
        }
        guard var latitude = angle("GPSLatitude"), var longitude = angle("GPSLongitude") else { return nil }
        if reference("GPSLatitudeRef").hasPrefix("S") { latitude = -latitude }
        if reference("GPSLongitudeRef").hasPrefix("W") { longitude = -longitude }
        return (latitude, longitude)
    }
}
