import FacetAssets
import TestSupport
import Foundation
import GROQ
import Testing

@Suite("Image metadata, sniffing and upload preparation", .ownThread(computing: true))
struct ImageMetadataTests {
    @Test("Types are sniffed from the bytes, whatever a client claims")
    func sniffing() throws {
        #expect(SniffedContent(try TestPictures.twoColours(as: .jpg)).mimeType == "image/jpeg")
        #expect(SniffedContent(try TestPictures.twoColours(as: .png)).mimeType == "image/png")
        #expect(SniffedContent(try TestPictures.twoColours(as: .webp)).mimeType == "image/webp")
        #expect(SniffedContent(try TestPictures.twoColours(as: .gif)).mimeType == "image/gif")
        #expect(SniffedContent(TestPictures.pdf).mimeType == "application/pdf")
        #expect(SniffedContent(Array("<?xml version=\"1.0\"?>\n<!-- a long comment -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8)).isSVG)
        #expect(SniffedContent(Array("  <SVG onload='alert(1)'>".utf8)).isSVG)
        #expect(SniffedContent(Array("plain words".utf8)).mimeType == "text/plain")
        #expect(SniffedContent([0, 1, 2, 3, 255]).mimeType == "application/octet-stream")
        #expect(SniffedContent(try TestPictures.twoColours(as: .jpg)).isRasterImage)
        #expect(!SniffedContent(TestPictures.pdf).isRasterImage)
    }

    @Test("An image's metadata: exact dimensions, the painted colour as dominant, placeholders")
    func metadata() async throws {
        // Seconds of image work: off the threads the server tests beside it need.
        try await offThePool {
            let bytes = try TestPictures.twoColours(width: 400, height: 300)
            let asset = try PreparedAsset(bytes, kind: .images, dataset: "production", options: AssetUploadOptions(),
                                          baseURL: "http://localhost:3333", maximumPixels: 1_000_000)
            let document = asset.document
            let sha1 = try #require(document["sha1hash"]?.stringValue)
            #expect(sha1.count == 40)
            #expect(asset.id == "image-\(sha1)-400x300-jpg")
            #expect(document["_type"] == "sanity.imageAsset")
            #expect(document["path"]?.stringValue == "images/production/\(sha1)-400x300.jpg")
            #expect(document["url"]?.stringValue == "http://localhost:3333/images/production/\(sha1)-400x300.jpg")
            #expect(document["size"]?.numberValue == Double(bytes.count))
            #expect(document["mimeType"] == "image/jpeg")
            #expect(document["extension"] == "jpg")
            let metadata = try #require(document["metadata"])
            #expect(metadata["dimensions"]?["width"] == 400)
            #expect(metadata["dimensions"]?["height"] == 300)
            #expect(metadata["dimensions"]?["aspectRatio"]?.numberValue == 400.0 / 300.0)
            #expect(metadata["hasAlpha"] == false)
            #expect(metadata["isOpaque"] == true)
            // The dominant colour is the one painted on three quarters of the picture (JPEG moves it a little).
            let dominant = try #require(metadata["palette"]?["dominant"]?["background"]?.stringValue)
            let rgb = Self.rgb(dominant)
            #expect(abs(rgb[0] - 200) <= 12 && abs(rgb[1] - 30) <= 12 && abs(rgb[2] - 30) <= 12, "dominant \(dominant)")
            #expect(metadata["palette"]?["dominant"]?["foreground"] == "#fff")
            let lqip = try #require(metadata["lqip"]?.stringValue)
            #expect(lqip.hasPrefix("data:image/jpeg;base64,"))
            let tiny = try RasterImage(decoding: Array(try #require(Data(base64Encoded: String(lqip.dropFirst("data:image/jpeg;base64,".count))))))
            #expect(tiny.width == 20 && tiny.height == 15)
            #expect(metadata["blurHash"]?.stringValue?.count == 28)
        }
    }

    @Test("Transparency: an alpha band that is opaque everywhere, and one that is not")
    func transparency() throws {
        for (corner, opaque) in [(false, true), (true, false)] {
            let asset = try PreparedAsset(try TestPictures.png(transparentCorner: corner), kind: .images, dataset: "d",
                                          options: AssetUploadOptions(), baseURL: "", maximumPixels: 1_000_000)
            #expect(asset.document["metadata"]?["hasAlpha"] == true)
            #expect(asset.document["metadata"]?["isOpaque"]?.boolValue == opaque)
            #expect(asset.id.hasSuffix("-64x48-png"))
        }
    }

    @Test("The same bytes give the same asset id; other bytes another")
    func contentAddressing() throws {
        let one = try TestPictures.twoColours(as: .png)
        let first = try PreparedAsset(one, kind: .images, dataset: "d", options: AssetUploadOptions(), baseURL: "", maximumPixels: 1_000_000)
        let again = try PreparedAsset(one, kind: .images, dataset: "d", options: AssetUploadOptions(), baseURL: "", maximumPixels: 1_000_000)
        let other = try PreparedAsset(try TestPictures.twoColours(main: [10, 200, 10], as: .png), kind: .images, dataset: "d",
                                      options: AssetUploadOptions(), baseURL: "", maximumPixels: 1_000_000)
        #expect(first.id == again.id)
        #expect(first.id != other.id)
    }

    @Test("Refusals: not an image, an SVG, a damaged file, too many pixels, a decompression bomb")
    func refusals() async throws {
        // Seconds of image work: off the threads the server tests beside it need.
        try await offThePool {
            func refusal(_ bytes: [UInt8], limit: Int = 1_000_000) -> AssetError.Kind? {
                do {
                    _ = try PreparedAsset(bytes, kind: .images, dataset: "d", options: AssetUploadOptions(), baseURL: "", maximumPixels: limit)
                    return nil
                } catch { return error.kind }
            }
            #expect(refusal(TestPictures.pdf) == .unsupportedType)
            #expect(refusal(Array("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".utf8)) == .unsupportedType)
            #expect(refusal(Array("hello".utf8)) == .unsupportedType)
            #expect(refusal([]) == .unreadable)
            let jpeg = try TestPictures.twoColours()
            #expect(refusal(Array(jpeg.prefix(jpeg.count / 2))) == .unreadable)
            #expect(refusal(jpeg, limit: 400 * 300 - 1) == .tooManyPixels)
            // 100,000 × 100,000 pixels claimed by a 70-byte file: refused from the header alone.
            let started = ContinuousClock.now
            #expect(refusal(try TestPictures.bombPNG(width: 100_000, height: 100_000), limit: 50_000_000) == .tooManyPixels)
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test("EXIF and the GPS location, when meta[] asks for them")
    func exifAndLocation() async throws {
        // Seconds of image work: off the threads the server tests beside it need.
        try await offThePool {
            let jpeg = TestPictures.withEXIF(try TestPictures.twoColours(width: 80, height: 60))
            var options = try AssetUploadOptions(query: [("meta[]", "exif"), ("meta[]", "location")])
            let asked = try PreparedAsset(jpeg, kind: .images, dataset: "d", options: options, baseURL: "", maximumPixels: 1_000_000)
            let metadata = try #require(asked.document["metadata"])
            #expect(metadata["exif"]?["Make"] == "Facet")
            #expect(metadata["exif"]?["_type"] == "sanity.imageExifMetadata")
            let latitude = try #require(metadata["location"]?["lat"]?.numberValue)
            let longitude = try #require(metadata["location"]?["lng"]?.numberValue)
            #expect(abs(latitude - (48 + 51.0 / 60 + 29.5 / 3600)) < 1e-6)
            #expect(abs(longitude + (2 + 17.0 / 60 + 40.0 / 3600)) < 1e-6)
            #expect(metadata["lqip"] == nil)   // not asked for
            // Not asked: neither is read, and the served picture carries no EXIF (it could hold a home's location).
            options = AssetUploadOptions()
            let plain = try PreparedAsset(jpeg, kind: .images, dataset: "d", options: options, baseURL: "", maximumPixels: 1_000_000)
            #expect(plain.document["metadata"]?["exif"] == nil && plain.document["metadata"]?["location"] == nil)
            let thumbnail = try ImageTransform(query: [("w", "40")]).render(jpeg, source: SniffedContent(jpeg), acceptsWebP: false,
                                                                            maximumPixels: 1_000_000, timeLimit: .seconds(30))
            #expect(try RasterImage(decoding: thumbnail.bytes).metadataFields(prefix: "exif-ifd3-").isEmpty)
        }
    }

    @Test("Files keep their sniffed type and Sanity's id form")
    func files() throws {
        var options = AssetUploadOptions()
        options.originalFilename = "care-guide.pdf"
        options.title = "Care guide"
        let asset = try PreparedAsset(TestPictures.pdf, kind: .files, dataset: "production", options: options, baseURL: "", maximumPixels: 1)
        let sha1 = try #require(asset.document["sha1hash"]?.stringValue)
        #expect(asset.id == "file-\(sha1)-pdf")
        #expect(asset.document["_type"] == "sanity.fileAsset")
        #expect(asset.document["originalFilename"] == "care-guide.pdf")
        #expect(asset.document["title"] == "Care guide")
        #expect(asset.path.description == "files/production/\(sha1).pdf")
        #expect(PreparedAsset.documentID(for: asset.path) == asset.id)
    }

    @Test("Upload parameters as Sanity's clients send them")
    func uploadOptions() throws {
        let options = try AssetUploadOptions(query: [("filename", "ring.jpg"), ("label", "hero"), ("creditLine", "Atelier"),
                                                      ("sourceName", "unsplash"), ("sourceId", "x1"), ("sourceUrl", "https://e.x/x1"),
                                                      ("meta[]", "exif"), ("meta[]", "palette")])
        #expect(options.originalFilename == "ring.jpg")
        #expect(options.metadata == [.exif, .palette])
        #expect(options.source?.name == "unsplash")
        #expect(throws: AssetError.self) { try AssetUploadOptions(query: [("meta[]", "everything")]) }
        #expect(throws: AssetError.self) { try AssetUploadOptions(query: [("sourceName", "unsplash")]) }
    }

    @Test("BlurHash matches the reference encoder")
    func blurHash() {
        // The reference implementation (blurha.sh's algorithm, as the Python `blurhash` package
        // encodes it) gives this hash for this 8 × 6 gradient with 4 × 3 components.
        let pixels = TestPictures.pixels(width: 8, height: 6) { x, y in [UInt8(x * 30), UInt8(y * 40), UInt8(255 - x * 20)] }
        #expect(BlurHash(pixels: pixels, width: 8, height: 6, bands: 3).description == "L~E.-^G1b2t9r4R;fSjJe;f7fQf7")
    }

    @Test("The palette finds vibrant and muted colours where they were painted")
    func palette() {
        // Half a saturated red, a quarter dark grey-blue (muted, dark), a quarter pale pink.
        let pixels = TestPictures.pixels(width: 40, height: 40) { x, y in
            x < 20 ? [220, 20, 30] : (y < 20 ? [50, 55, 70] : [240, 200, 205])
        }
        let palette = ImagePalette(pixels: pixels, bands: 3)
        #expect(palette.dominant?.hex == "#dc141e")
        #expect(palette.dominant?.population == 800)
        #expect(palette.vibrant?.hex == "#dc141e")
        #expect(palette.darkMuted?.hex == "#323746")
        #expect(palette.json["_type"] == "sanity.imagePalette")
    }

    static func rgb(_ hex: String) -> [Int] {
        let digits = Array(hex.dropFirst())
        return stride(from: 0, to: 6, by: 2).map { Int(String(digits[$0..<$0 + 2]), radix: 16)! }
    }
}
