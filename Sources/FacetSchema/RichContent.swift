import GROQ

/// Portable Text as Facet's `block` fields hold it: an array of blocks, each a paragraph (or
/// heading, or quote) of spans with decorator marks and link annotations, as Sanity stores it.
///
/// ```json
/// [{"_type": "block", "_key": "b1", "style": "normal", "markDefs": [{"_key": "l1", "_type": "link", "href": "https://maison.example"}],
///   "children": [{"_type": "span", "_key": "s1", "text": "See the ", "marks": []},
///                {"_type": "span", "_key": "s2", "text": "collection", "marks": ["strong", "l1"]}]}]
/// ```
public enum PortableText {
    /// Paragraph styles the editor offers.
    public static let styles = ["normal", "h1", "h2", "h3", "h4", "blockquote"]
    /// Marks that need no definition.
    public static let decorators = ["strong", "em", "underline", "code", "strike-through"]
    /// List kinds a block may belong to.
    public static let listItems = ["bullet", "number"]
    /// Annotations, defined in a block's `markDefs` and named by key in its spans' marks.
    public static let annotations = ["link"]

    /// What the studio needs to offer the editor, exported with the field.
    static var json: JSONObject {
        [
            "styles": .array(styles.map(JSONValue.string)),
            "lists": .array(listItems.map(JSONValue.string)),
            "marks": [
                "decorators": .array(decorators.map(JSONValue.string)),
                "annotations": [["name": "link", "type": "object", "fields": [["name": "href", "type": "url"]]]],
            ],
        ]
    }

    /// The problems in `value` as (path, message) pairs, paths under `path`.
    static func problems(in value: JSONValue, path: String) -> [(path: String, message: String)] {
        guard case .array(let blocks) = value else { return [(path, "Must be an array of blocks, found \(value.typeName)")] }
        var problems: [(String, String)] = []
        for (index, block) in blocks.enumerated() {
            let blockPath = path + itemPath(block, index)
            guard case .object(let object) = block, object["_type"]?.stringValue == "block" else {
                problems.append((blockPath, "Must be a block ({\"_type\": \"block\", \"children\": [...]}), found \(block["_type"]?.stringValue.map { "_type \"\($0)\"" } ?? block.typeName)"))
                continue
            }
            if let style = object["style"], !(style.stringValue.map(styles.contains) ?? false) {
                problems.append((blockPath + ".style", "Must be one of \(styles.joined(separator: ", "))"))
            }
            if let list = object["listItem"], !(list.stringValue.map(listItems.contains) ?? false) {
                problems.append((blockPath + ".listItem", "Must be one of \(listItems.joined(separator: ", "))"))
            }
            var definedMarks = Set<String>()
            for (defIndex, definition) in (object["markDefs"]?.arrayValue ?? []).enumerated() {
                let defPath = blockPath + ".markDefs" + itemPath(definition, defIndex)
                guard let key = definition["_key"]?.stringValue else { problems.append((defPath, "A mark definition needs a _key")); continue }
                definedMarks.insert(key)
                guard definition["_type"]?.stringValue == "link" else {
                    problems.append((defPath, "Must be a link annotation ({\"_type\": \"link\", \"href\": ...})")); continue
                }
                if definition["href"]?.stringValue.map(isLinkTarget) != true {
                    problems.append((defPath + ".href", "Must be a link target: an http(s) or mailto URL, or a path starting with /"))
                }
            }
            guard case .array(let children)? = object["children"] else {
                problems.append((blockPath + ".children", "Must be an array of spans")); continue
            }
            for (spanIndex, span) in children.enumerated() {
                let spanPath = blockPath + ".children" + itemPath(span, spanIndex)
                guard span["_type"]?.stringValue == "span", span["text"]?.stringValue != nil else {
                    problems.append((spanPath, "Must be a span ({\"_type\": \"span\", \"text\": \"...\"})")); continue
                }
                for mark in span["marks"]?.arrayValue ?? [] {
                    guard let name = mark.stringValue, decorators.contains(name) || definedMarks.contains(name) else {
                        problems.append((spanPath + ".marks", "Unknown mark \(mark.serialized()): use \(decorators.joined(separator: ", ")) or the _key of a link in markDefs"))
                        continue
                    }
                }
            }
        }
        return problems
    }

    /// `[_key=="k"]` when the item has a key (stable as items move), else `[index]`.
    static func itemPath(_ item: JSONValue, _ index: Int) -> String {
        item["_key"]?.stringValue.map { "[_key==\"\($0)\"]" } ?? "[\(index)]"
    }

    private static func isLinkTarget(_ text: String) -> Bool {
        text.hasPrefix("https://") || text.hasPrefix("http://") || text.hasPrefix("mailto:") || (text.hasPrefix("/") && !text.hasPrefix("//"))
    }
}

/// Sanity's image value: an asset reference (or, before an asset pipeline exists, a URL), the
/// alternative text, and the hotspot and crop the editor set.
public enum ImageValue {
    /// The fields the studio edits, exported with the field.
    static var json: JSONObject {
        [
            "options": ["hotspot": true],
            "fields": [
                ["name": "asset", "type": "reference", "to": [["type": "sanity.imageAsset"]]],
                ["name": "url", "type": "url"],
                ["name": "alt", "type": "string", "title": "Alternative text"],
                ["name": "hotspot", "type": "object", "fields": [["name": "x", "type": "number"], ["name": "y", "type": "number"],
                                                                  ["name": "width", "type": "number"], ["name": "height", "type": "number"]]],
            ],
        ]
    }

    /// The problems in `value` as (path, message) pairs.
    static func problems(in value: JSONValue, path: String) -> [(path: String, message: String)] {
        guard case .object(let object) = value else { return [(path, "Must be an image object, found \(value.typeName)")] }
        var problems: [(String, String)] = []
        if let asset = object["asset"], asset["_ref"]?.stringValue == nil {
            problems.append((path + ".asset", "Must be a reference to an asset ({\"_ref\": \"image-...\"})"))
        }
        if let url = object["url"], !(url.stringValue.map { $0.hasPrefix("https://") || $0.hasPrefix("http://") || $0.hasPrefix("/") } ?? false) {
            problems.append((path + ".url", "Must be an http(s) URL or a path starting with /"))
        }
        if object["asset"] == nil, object["url"] == nil {
            problems.append((path, "An image needs an asset reference or a url"))
        }
        if let alt = object["alt"], alt.stringValue == nil { problems.append((path + ".alt", "Must be a string, found \(alt.typeName)")) }
        for area in ["hotspot", "crop"] {
            guard let box = object[area] else { continue }
            let keys = area == "hotspot" ? ["x", "y", "width", "height"] : ["top", "bottom", "left", "right"]
            for key in keys {
                guard let number = box[key]?.numberValue, number >= 0, number <= 1 else {
                    problems.append((path + "." + area + "." + key, "Must be a number from 0 to 1 (a fraction of the image)")); continue
                }
            }
        }
        return problems
    }
}

/// A file field's value, as Sanity holds it: `{_type: "file", asset: {_type: "reference", _ref: "file-…"}, description}`.
public enum FileValue {
    /// The fields the studio edits, exported with the field.
    static var json: JSONObject {
        [
            "fields": [
                ["name": "asset", "type": "reference", "to": [["type": "sanity.fileAsset"]]],
                ["name": "description", "type": "string", "title": "Description"],
            ],
        ]
    }

    /// The problems in `value` as (path, message) pairs.
    static func problems(in value: JSONValue, path: String) -> [(path: String, message: String)] {
        guard case .object(let object) = value else { return [(path, "Must be a file object, found \(value.typeName)")] }
        var problems: [(String, String)] = []
        if let asset = object["asset"] {
            if !(asset["_ref"]?.stringValue?.hasPrefix("file-") ?? false) {
                problems.append((path + ".asset", "Must be a reference to a file asset ({\"_ref\": \"file-...\"}); upload the file first"))
            }
        } else {
            problems.append((path, "A file needs an asset reference; upload the file (POST /v1/assets/files/:dataset) and refer to it"))
        }
        if let description = object["description"], description.stringValue == nil {
            problems.append((path + ".description", "Must be a string, found \(description.typeName)"))
        }
        return problems
    }
}
