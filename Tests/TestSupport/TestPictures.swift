import FacetAssets

/// Pictures painted at test time, so that every expected figure (size, colour, transparency)
/// is known from how the picture was made.
public enum TestPictures {
    /// `width` × `height` RGB pixels, each painted by `colour(x, y)`.
    public static func pixels(width: Int, height: Int, bands: Int = 3, _ colour: (Int, Int) -> [UInt8]) -> [UInt8] {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * bands)
        for y in 0..<height {
            for x in 0..<width { pixels += colour(x, y).prefix(bands) }
        }
        return pixels
    }

    /// A picture whose left three quarters are `main` and right quarter `accent`, encoded as `format`.
    public static func twoColours(width: Int = 400, height: Int = 300, main: [UInt8] = [200, 30, 30], accent: [UInt8] = [20, 40, 200],
                           as format: ImageFormat = .jpg) throws -> [UInt8]
    {
        let pixels = pixels(width: width, height: height) { x, _ in x < width * 3 / 4 ? main : accent }
        return try RasterImage(pixels: pixels, width: width, height: height, bands: 3).encoded(as: format, quality: 92)
    }

    /// An RGBA PNG: opaque everywhere, or with a transparent square in the top-left corner.
    public static func png(width: Int = 64, height: Int = 48, transparentCorner: Bool) throws -> [UInt8] {
        let pixels = pixels(width: width, height: height, bands: 4) { x, y in
            [40, 160, 90, transparentCorner && x < 8 && y < 8 ? 0 : 255]
        }
        return try RasterImage(pixels: pixels, width: width, height: height, bands: 4).encoded(as: .png)
    }

    /// A small PDF, written by hand: enough for a file upload.
    public static let pdf: [UInt8] = Array("""
        %PDF-1.4
        1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >> endobj
        trailer << /Root 1 0 R >>
        %%EOF
        """.utf8)

    /// A PNG whose header claims `width` × `height` pixels (with a valid checksum) although it holds
    /// almost no data: a decompression bomb as an attacker would send it.
    public static func bombPNG(width: UInt32, height: UInt32) throws -> [UInt8] {
        var bytes = try RasterImage(pixels: [0, 0, 0], width: 1, height: 1, bands: 3).encoded(as: .png)
        // The IHDR chunk starts at byte 8: length (4), "IHDR" (4), width (4), height (4), …, CRC.
        func put(_ value: UInt32, at offset: Int) {
            for index in 0..<4 { bytes[offset + index] = UInt8((value >> (24 - 8 * UInt32(index))) & 0xFF) }
        }
        put(width, at: 16)
        put(height, at: 20)
        put(crc32(bytes[12..<29]), at: 29)
        return bytes
    }

    public static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// `jpeg` with an EXIF block (APP1) saying the camera's make is "Facet" and the picture was
    /// taken at 48° 51′ 29.5″ N, 2° 17′ 40″ W, written byte by byte as a camera writes it.
    public static func withEXIF(_ jpeg: [UInt8]) -> [UInt8] {
        var tiff: [UInt8] = Array("MM".utf8) + [0, 42, 0, 0, 0, 8]
        func short(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        func long(_ value: Int) -> [UInt8] { [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        func entry(_ tag: Int, _ type: Int, _ count: Int, _ value: [UInt8]) -> [UInt8] { short(tag) + short(type) + long(count) + value }
        // IFD0 at 8 (30 bytes), "Facet\0" at 38, the GPS IFD at 44 (54 bytes), latitude at 98, longitude at 122.
        tiff += short(2) + entry(0x010F, 2, 6, long(38)) + entry(0x8825, 4, 1, long(44)) + long(0)
        tiff += Array("Facet".utf8) + [0]
        tiff += short(4)
            + entry(0x0001, 2, 2, Array("N".utf8) + [0, 0, 0]) + entry(0x0002, 5, 3, long(98))
            + entry(0x0003, 2, 2, Array("W".utf8) + [0, 0, 0]) + entry(0x0004, 5, 3, long(122)) + long(0)
        for (top, bottom) in [(48, 1), (51, 1), (295, 10), (2, 1), (17, 1), (40, 1)] { tiff += long(top) + long(bottom) }
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let segment: [UInt8] = [0xFF, 0xE1] + short(payload.count + 2) + payload
        return Array(jpeg.prefix(2)) + segment + Array(jpeg.dropFirst(2))
    }
}
