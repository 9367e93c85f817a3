/// What a file's bytes are, read from their first bytes: the type given in a request's
/// `Content-Type` is never trusted, since a client can claim anything.
///
/// ```swift
/// let sniffed = SniffedContent(bytes)          // .png for "\u{89}PNG…"
/// sniffed.mimeType                             // "image/png"
/// ```
public struct SniffedContent: Sendable, Equatable {
    public var mimeType: String
    /// The extension Facet stores the file under (`jpg`, `png`, `pdf`, `bin`, …).
    public var fileExtension: String
    /// Whether the image route takes it: a raster format libvips decodes.
    public var isRasterImage: Bool

    public init(mimeType: String, fileExtension: String, isRasterImage: Bool = false) {
        self.mimeType = mimeType
        self.fileExtension = fileExtension
        self.isRasterImage = isRasterImage
    }

    public var isSVG: Bool { mimeType == "image/svg+xml" }

    static let jpeg = SniffedContent(mimeType: "image/jpeg", fileExtension: "jpg", isRasterImage: true)
    static let png = SniffedContent(mimeType: "image/png", fileExtension: "png", isRasterImage: true)
    static let gif = SniffedContent(mimeType: "image/gif", fileExtension: "gif", isRasterImage: true)
    static let webp = SniffedContent(mimeType: "image/webp", fileExtension: "webp", isRasterImage: true)
    static let tiff = SniffedContent(mimeType: "image/tiff", fileExtension: "tiff", isRasterImage: true)
    static let avif = SniffedContent(mimeType: "image/avif", fileExtension: "avif", isRasterImage: true)
    static let heic = SniffedContent(mimeType: "image/heic", fileExtension: "heic", isRasterImage: true)
    static let svg = SniffedContent(mimeType: "image/svg+xml", fileExtension: "svg")
    static let pdf = SniffedContent(mimeType: "application/pdf", fileExtension: "pdf")
    static let zip = SniffedContent(mimeType: "application/zip", fileExtension: "zip")
    static let gzip = SniffedContent(mimeType: "application/gzip", fileExtension: "gz")
    static let mp4 = SniffedContent(mimeType: "video/mp4", fileExtension: "mp4")
    static let mp3 = SniffedContent(mimeType: "audio/mpeg", fileExtension: "mp3")
    static let json = SniffedContent(mimeType: "application/json", fileExtension: "json")
    static let text = SniffedContent(mimeType: "text/plain", fileExtension: "txt")
    static let binary = SniffedContent(mimeType: "application/octet-stream", fileExtension: "bin")

    /// The type a stored file's extension names (the extension Facet gave it when it sniffed
    /// the bytes, part of the asset's content address); `application/octet-stream` for others.
    public init(fileExtension: String) {
        let known: [SniffedContent] = [.jpeg, .png, .gif, .webp, .tiff, .avif, .heic, .svg, .pdf, .zip, .gzip, .mp4, .mp3, .json, .text]
        self = known.first { $0.fileExtension == fileExtension } ?? .binary
    }

    /// The type of `bytes`, judged from signatures; text that is valid UTF-8 is `text/plain` (or
    /// JSON or SVG when it looks like them), anything else `application/octet-stream`.
    public init(_ bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(512))
        func starts(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + signature.count && Array(head[offset..<offset + signature.count]) == signature
        }
        let ascii = { (text: String) in Array(text.utf8) }
        if starts([0xFF, 0xD8, 0xFF]) { self = .jpeg; return }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { self = .png; return }
        if starts(ascii("GIF87a")) || starts(ascii("GIF89a")) { self = .gif; return }
        if starts(ascii("RIFF")), starts(ascii("WEBP"), at: 8) { self = .webp; return }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { self = .tiff; return }
        if starts(ascii("ftyp"), at: 4) {
            let brand = head.count >= 12 ? String(decoding: head[8..<12], as: UTF8.self) : ""
            switch brand {
            case "avif", "avis": self = .avif
            case "heic", "heix", "mif1", "msf1": self = .heic
            default: self = .mp4
            }
            return
        }
        if starts(ascii("%PDF-")) { self = .pdf; return }
        if starts([0x50, 0x4B, 0x03, 0x04]) { self = .zip; return }
        if starts([0x1F, 0x8B]) { self = .gzip; return }
        if starts(ascii("ID3")) || starts([0xFF, 0xFB]) { self = .mp3; return }
        // Text: judged on the head, cut back to a whole character.
        var textHead = head
        while let last = textHead.last, last & 0xC0 == 0x80 { textHead.removeLast() }
        if let last = textHead.last, last >= 0xC0 { textHead.removeLast() }
        guard !head.isEmpty, !head.contains(0), String(validating: textHead, as: UTF8.self) != nil else {
            self = .binary
            return
        }
        let text = String(decoding: textHead, as: UTF8.self).lowercased()
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        if trimmed.first == "<", Self.mentionsSVG(bytes.prefix(65_536)) {
            // Markup that holds an <svg> element anywhere near its start is an SVG, whatever
            // comes first: a browser would run its scripts.
            self = .svg
        } else if trimmed.first == "{" || trimmed.first == "[" {
            self = .json
        } else {
            self = .text
        }
    }

    private static func mentionsSVG(_ bytes: some Collection<UInt8>) -> Bool {
        let target = Array("<svg".utf8)
        var matched = 0
        for byte in bytes {
            let lower = byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0)
            matched = lower == target[matched] ? matched + 1 : (lower == target[0] ? 1 : 0)
            if matched == target.count { return true }
        }
        return false
    }
}
