import Crypto
import Foundation
import GROQ

/// What Sanity's upload parameters say about an asset, beside its bytes.
public struct AssetUploadOptions: Sendable {
    public var originalFilename: String?
    public var title: String?
    public var description: String?
    public var label: String?
    public var creditLine: String?
    /// `sourceName`, `sourceId`, `sourceUrl`: where the asset came from (a stock library, say).
    public var source: (name: String, id: String, url: String?)?
    /// The optional image metadata to extract (`meta[]`).
    public var metadata: Set<ImageMetadata.Part> = ImageMetadata.Part.standard

    public init() {}

    /// The options from an upload URL's query parameters, named as Sanity's clients send them.
    public init(query: [(String, String)]) throws(AssetError) {
        var meta: [String]?
        var sourceName: String?, sourceID: String?, sourceURL: String?
        for (name, value) in query {
            switch name {
            case "filename": originalFilename = value
            case "title": title = value
            case "description": description = value
            case "label": label = value
            case "creditLine": creditLine = value
            case "sourceName": sourceName = value
            case "sourceId": sourceID = value
            case "sourceUrl": sourceURL = value
            case "meta", "meta[]": meta = (meta ?? []) + value.split(separator: ",").map(String.init)
            default: continue
            }
        }
        if let meta { metadata = try ImageMetadata.Part.parse(meta) }
        switch (sourceName, sourceID) {
        case (let name?, let id?): source = (name, id, sourceURL)
        case (nil, nil): if sourceURL != nil { fallthrough }
        default:
            throw AssetError(.badParameter, "sourceName and sourceId go together",
                             advice: "give both (and sourceUrl if you like), or neither")
        }
    }
}

/// An uploaded file made ready to store: its content-addressed path and the asset document
/// (`sanity.imageAsset` or `sanity.fileAsset`) that describes it, with Sanity's id form
/// (`image-<sha1>-<w>x<h>-<ext>`, `file-<sha1>-<ext>`), so the same bytes always give the same asset.
///
/// ```swift
/// let asset = try PreparedAsset(bytes, kind: .images, dataset: "production", options: options,
///                               baseURL: "http://localhost:3333", maximumPixels: 50_000_000)
/// try storage.write(asset.bytes, to: asset.path)
/// // then commit `createIfNotExists(asset.document)` through the mutation pipeline
/// ```
public struct PreparedAsset: Sendable {
    public var path: AssetPath
    public var document: JSONValue
    public var bytes: [UInt8]
    public var sniffed: SniffedContent

    public var id: String { document["_id"]?.stringValue ?? "" }

    /// Reads `bytes`: the type from their signature (never the client's `Content-Type`), and for an
    /// image its dimensions, refusing it past `maximumPixels` before a pixel is decoded.
    ///
    /// - Throws: ``AssetError`` — `unsupportedType` for a non-image (or an SVG) sent as an image,
    ///   `unreadable` for a damaged image, `tooManyPixels` past the limit.
    public init(_ bytes: [UInt8], kind: AssetPath.Kind, dataset: String, options: AssetUploadOptions,
                baseURL: String, maximumPixels: Int) throws(AssetError)
    {
        guard !bytes.isEmpty else {
            throw AssetError(.unreadable, "The body is empty", advice: "send the file's bytes as the request body")
        }
        let sniffed = SniffedContent(bytes)
        let sha1 = Insecure.SHA1.hash(data: bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        var document: JSONObject = ["_type": .string(kind.documentType)]
        let fileName: String
        switch kind {
        case .images:
            guard sniffed.isRasterImage else {
                throw AssetError(.unsupportedType,
                                 sniffed.isSVG ? "An SVG is not taken as an image: it can carry scripts"
                                     : "The bytes are \(sniffed.mimeType), not an image",
                                 advice: sniffed.isSVG ? "upload it as a file (assets/files), which is served as a download"
                                     : "send a JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC image, or upload it as a file")
            }
            let image = try RasterImage(decoding: bytes)
            let (width, height) = image.displayedSize
            try ImageTransform.checkPixels(width: width, height: height, limit: maximumPixels)
            let metadata = try ImageMetadata(of: image, extracting: options.metadata)
            fileName = "\(sha1)-\(width)x\(height).\(sniffed.fileExtension)"
            document["_id"] = .string("image-\(sha1)-\(width)x\(height)-\(sniffed.fileExtension)")
            document["metadata"] = metadata.json
        case .files:
            fileName = "\(sha1).\(sniffed.fileExtension)"
            document["_id"] = .string("file-\(sha1)-\(sniffed.fileExtension)")
        }
        let path = try AssetPath(kind: kind, dataset: dataset, fileName: fileName)
        document["assetId"] = .string(sha1)
        document["sha1hash"] = .string(sha1)
        document["extension"] = .string(sniffed.fileExtension)
        document["mimeType"] = .string(sniffed.mimeType)
        document["size"] = .number(Double(bytes.count))
        document["path"] = .string(path.description)
        document["url"] = .string(baseURL + "/" + path.description)
        if let name = options.originalFilename { document["originalFilename"] = .string(name) }
        if let title = options.title { document["title"] = .string(title) }
        if let description = options.description { document["description"] = .string(description) }
        if let label = options.label { document["label"] = .string(label) }
        if let creditLine = options.creditLine { document["creditLine"] = .string(creditLine) }
        if let source = options.source {
            var object: JSONObject = ["name": .string(source.name), "id": .string(source.id)]
            if let url = source.url { object["url"] = .string(url) }
            document["source"] = .object(object)
        }
        self.path = path
        self.document = .object(document)
        self.bytes = bytes
        self.sniffed = sniffed
    }

    /// The path of the asset `id` (`image-<sha1>-<w>x<h>-<ext>` or `file-<sha1>-<ext>`) in
    /// `dataset`; `nil` for an id of another form.
    public static func path(ofDocument id: String, dataset: String) -> AssetPath? {
        for kind in AssetPath.Kind.allCases where id.hasPrefix(kind.idPrefix + "-") {
            let rest = id.dropFirst(kind.idPrefix.count + 1)
            guard let dash = rest.lastIndex(of: "-") else { return nil }
            let name = rest[..<dash] + "." + rest[rest.index(after: dash)...]
            return try? AssetPath(kind: kind, dataset: dataset, fileName: String(name))
        }
        return nil
    }

    /// The asset id behind a URL file name (`<sha1>-<w>x<h>.<ext>` or `<sha1>.<ext>`), as Sanity
    /// forms it.
    public static func documentID(for path: AssetPath) -> String {
        let stem = path.fileName[..<path.fileName.lastIndex(of: ".")!]
        return "\(path.kind.idPrefix)-\(stem)-\(path.fileExtension)"
    }
}
