import FacetStore
import Foundation
import GROQ

/// A dataset and its assets in one `.tar.gz`, in the layout of Sanity's `sanity dataset
/// export`: a folder holding `data.ndjson`, `assets.json`, `images/` and `files/`. In
/// `data.ndjson` each reference to an asset is written as Sanity writes it,
/// `"_sanityAsset": "image@file://./images/<sha1>-<w>x<h>.<ext>"`, and the asset documents
/// themselves are left out; importing uploads each file again and turns the field back into a
/// reference, so a Sanity export comes in with its pictures.
///
/// ```swift
/// try DatasetArchive.export(dataset, storage: assets.storage, to: "production.tar.gz")
/// let report = try DatasetArchive.importArchive("production.tar.gz", into: dataset, assets: assets)
/// ```
public enum DatasetArchive {
    /// What an export wrote.
    public struct ExportReport: Sendable {
        public var documents = 0
        public var images = 0
        public var files = 0
    }

    /// What an import did: the documents' report, and the assets it stored.
    public struct ImportOutcome: Sendable {
        public var documents: ImportReport
        public var images = 0
        public var files = 0
        /// `_sanityAsset` fields turned into references.
        public var references = 0
    }

    static let assetTypes: Set<String> = Set(AssetPath.Kind.allCases.map(\.documentType))

    // MARK: Export

    /// Writes `dataset` (as ``Dataset/exportNDJSON(_:write:)`` would, with `options`) and the
    /// files of its assets to `path`.
    @discardableResult
    public static func export(_ dataset: Dataset, storage: any AssetStorage, to path: String,
                              options: ExportOptions = ExportOptions()) throws -> ExportReport
    {
        let stamp = ISO8601DateFormatter().string(from: Date()).lowercased().replacingOccurrences(of: ":", with: "-")
        let folder = "\(dataset.name)-export-\(stamp)"
        let archive = try TarWriter(path: path)
        var report = ExportReport()
        var data: [UInt8] = []
        var assets: JSONObject = [:]
        var pending: [UInt8] = []
        func take(_ line: ArraySlice<UInt8>) throws {
            guard !line.isEmpty else { return }
            let document = try JSONValue(parsing: Array(line))
            if let type = document["_type"]?.stringValue, assetTypes.contains(type) {
                guard let id = document["_id"]?.stringValue, let assetPath = PreparedAsset.path(ofDocument: id, dataset: dataset.name),
                      let bytes = try storage.read(assetPath)
                else { return }
                try archive.add("\(folder)/\(assetPath.kind.rawValue)/\(assetPath.fileName)", bytes)
                if assetPath.kind == .images { report.images += 1 } else { report.files += 1 }
                var meta: JSONObject = [:]
                for key in ["originalFilename", "title", "description", "label", "creditLine", "altText", "source"] {
                    if let value = document[key] { meta[key] = value }
                }
                assets[id] = .object(meta)
                return
            }
            rewriteForExport(document, dataset: dataset.name).write(to: &data)
            data.append(0x0A)
            report.documents += 1
        }
        try dataset.exportNDJSON(options) { chunk in
            pending += chunk
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                try take(pending[start..<newline])
                start = newline + 1
            }
            pending.removeFirst(start - pending.startIndex)
        }
        try take(pending[...])
        try archive.add("\(folder)/data.ndjson", data)
        try archive.add("\(folder)/assets.json", Array(JSONValue.object(assets).serialized().utf8))
        try archive.finish()
        return report
    }

    /// Every `asset: {_ref: "image-…"}` replaced by Sanity's `_sanityAsset` pointer to the file.
    static func rewriteForExport(_ value: JSONValue, dataset: String) -> JSONValue {
        switch value {
        case .object(var object):
            if let ref = object["asset"]?["_ref"]?.stringValue, let path = PreparedAsset.path(ofDocument: ref, dataset: dataset) {
                object["asset"] = nil
                object["_sanityAsset"] = .string("\(path.kind.idPrefix)@file://./\(path.kind.rawValue)/\(path.fileName)")
            }
            for (key, member) in object { object[key] = rewriteForExport(member, dataset: dataset) }
            return .object(object)
        case .array(let items):
            return .array(items.map { rewriteForExport($0, dataset: dataset) })
        default:
            return value
        }
    }

    // MARK: Import

    /// Reads the archive at `path` into `dataset`: its files are stored as assets (the type sniffed,
    /// images described, each refused past the library's limits), then `data.ndjson`, with its
    /// `_sanityAsset` fields made references and the asset documents added, is imported as one
    /// unit with `options`. A failure leaves the dataset as it was and removes the files it stored.
    public static func importArchive(_ path: String, into dataset: Dataset, assets: AssetLibrary,
                                     options: ImportOptions = ImportOptions()) throws -> ImportOutcome
    {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("facet-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        // 1. Unpack what matters: data.ndjson, assets.json, images/*, files/*.
        var dataFile: URL?
        var assetMeta: JSONValue = [:]
        var unpacked: [(kind: AssetPath.Kind, name: String, url: URL)] = []
        let reader = try TarReader(path: path)
        try reader.forEachFile { entry, read in
            var parts = entry.name.split(separator: "/").map(String.init).filter { $0 != "." }
            guard !parts.contains(".."), !entry.name.hasPrefix("/") else {
                throw AssetError(.unreadable, "The archive names a file outside itself (\(entry.name))", advice: "refusing to unpack it")
            }
            // The files sit in one top folder (`production-export-…/`), or at the top.
            if parts.count >= 2, !["images", "files"].contains(parts[0]) { parts.removeFirst() }
            let kind: AssetPath.Kind? = parts.count == 2 ? AssetPath.Kind(rawValue: parts[0]) : nil
            if let kind {
                guard entry.size <= assets.limits.maxBytes else {
                    throw AssetError(.tooLarge, "\(entry.name) is \(entry.size) bytes, over the asset limit of \(assets.limits.maxBytes)",
                                     advice: "raise assets.maxBytes in the config file, or leave the file out")
                }
                let url = work.appendingPathComponent("\(kind.rawValue)-\(unpacked.count)")
                try collect(read, into: url)
                unpacked.append((kind, parts[1], url))
            } else if parts == ["data.ndjson"] {
                let url = work.appendingPathComponent("data.ndjson")
                try collect(read, into: url)
                dataFile = url
            } else if parts == ["assets.json"], entry.size <= 64 << 20 {
                var bytes: [UInt8] = []
                try read { bytes += $0 }
                assetMeta = (try? JSONValue(parsing: bytes)) ?? [:]
            }
        }
        guard let dataFile else {
            throw AssetError(.unreadable, "The archive holds no data.ndjson", advice: "give an archive written by `facet dataset export --assets` or `sanity dataset export`")
        }

        // 2. Each file becomes an asset (its id from its bytes, as an upload's is).
        var byName: [String: PreparedAsset] = [:]
        var stored: [AssetPath] = []
        var outcome = ImportOutcome(documents: ImportReport())
        do {
            for file in unpacked {
                let bytes = Array(try Data(contentsOf: file.url))
                var upload = AssetUploadOptions()
                let guessedID = (try? AssetPath(kind: file.kind, dataset: dataset.name, fileName: file.name)).map(PreparedAsset.documentID(for:))
                let meta = guessedID.flatMap { assetMeta[$0] }
                upload.originalFilename = meta?["originalFilename"]?.stringValue ?? file.name
                upload.title = meta?["title"]?.stringValue
                upload.description = meta?["description"]?.stringValue
                upload.label = meta?["label"]?.stringValue
                upload.creditLine = meta?["creditLine"]?.stringValue
                let prepared: PreparedAsset
                do {
                    prepared = try PreparedAsset(bytes, kind: file.kind, dataset: dataset.name, options: upload, baseURL: "",
                                                 maximumPixels: assets.limits.maxImagePixels)
                } catch {
                    throw AssetError(error.kind, "\(file.kind.rawValue)/\(file.name): \(error.message)", advice: error.advice)
                }
                if try assets.storage.write(prepared.bytes, to: prepared.path) { stored.append(prepared.path) }
                byName["\(file.kind.rawValue)/\(file.name)"] = prepared
                if file.kind == .images { outcome.images += 1 } else { outcome.files += 1 }
            }

            // 3. data.ndjson with its asset pointers made references, after the asset documents.
            let rewritten = work.appendingPathComponent("import.ndjson")
            guard FileManager.default.createFile(atPath: rewritten.path, contents: nil),
                  let writer = FileHandle(forWritingAtPath: rewritten.path)
            else { throw AssetError(.storage, "Cannot write into the temporary folder", advice: "check its free space") }
            defer { try? writer.close() }
            // Written out a megabyte at a time: a dataset's file is never held whole.
            var output: [UInt8] = []
            func flush(atLeast size: Int) throws {
                guard output.count >= size else { return }
                try writer.write(contentsOf: output)
                output.removeAll(keepingCapacity: true)
            }
            var written = Set<String>()
            for asset in byName.values.sorted(by: { $0.id < $1.id }) where dataset.document(id: asset.id) == nil && !written.contains(asset.id) {
                var document = asset.document.objectValue ?? [:]
                document["url"] = .string("/" + asset.path.description)
                JSONValue.object(document).write(to: &output)
                output.append(0x0A)
                written.insert(asset.id)
            }
            let ids = Set(byName.values.map(\.id))
            var lineNumber = 0
            try forEachLine(of: dataFile) { line in
                lineNumber += 1
                guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { return }
                guard let document = try? JSONValue(parsing: Array(line)) else {
                    // Left for the import to report, with its line.
                    output += line
                    output.append(0x0A)
                    try flush(atLeast: 1 << 20)
                    return
                }
                if let type = document["_type"]?.stringValue, assetTypes.contains(type), let id = document["_id"]?.stringValue, ids.contains(id) {
                    return   // made from its file above
                }
                var count = 0
                let resolved = try resolve(document, byName: byName, line: lineNumber, count: &count)
                outcome.references += count
                resolved.write(to: &output)
                output.append(0x0A)
                try flush(atLeast: 1 << 20)
            }
            try flush(atLeast: 0)
            try writer.synchronize()

            // 4. One unit: all of it, or none.
            outcome.documents = try dataset.importNDJSON(path: rewritten.path, options: options)
        } catch {
            for path in stored { try? assets.storage.remove(path) }
            throw error
        }
        return outcome
    }

    /// `_sanityAsset` fields replaced by references to the assets the archive's files became.
    static func resolve(_ value: JSONValue, byName: [String: PreparedAsset], line: Int, count: inout Int) throws -> JSONValue {
        switch value {
        case .object(var object):
            if let pointer = object["_sanityAsset"]?.stringValue {
                guard let at = pointer.range(of: "@file://./") else {
                    throw AssetError(.unreadable, "Line \(line): the asset \(pointer) is not in the archive",
                                     advice: "Facet downloads nothing: export with the assets (`sanity dataset export` does by default)")
                }
                let name = String(pointer[at.upperBound...])
                guard let asset = byName[name] else {
                    throw AssetError(.unreadable, "Line \(line): \(name) is named but not in the archive",
                                     advice: "the archive is incomplete: export it again with its assets")
                }
                object["_sanityAsset"] = nil
                object["asset"] = ["_type": "reference", "_ref": .string(asset.id)]
                count += 1
            }
            for (key, member) in object { object[key] = try resolve(member, byName: byName, line: line, count: &count) }
            return .object(object)
        case .array(let items):
            return .array(try items.map { try resolve($0, byName: byName, line: line, count: &count) })
        default:
            return value
        }
    }

    private static func collect(_ read: ((_ chunk: [UInt8]) throws -> Void) throws -> Void, into url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = FileHandle(forWritingAtPath: url.path) else {
            throw AssetError(.storage, "Cannot unpack into \(url.deletingLastPathComponent().path)", advice: "check the free space of the temporary folder")
        }
        defer { try? handle.close() }
        try read { try handle.write(contentsOf: $0) }
    }

    private static func forEachLine(of url: URL, _ body: (ArraySlice<UInt8>) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw AssetError(.storage, "Cannot read the unpacked data.ndjson") }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending += chunk
            var start = 0
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                try body(pending[start..<newline])
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { try body(pending[...]) }
    }
}
