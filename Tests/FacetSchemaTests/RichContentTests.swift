import GROQ
import Testing
import TestSupport
@testable import FacetSchema

@Suite("Portable Text and images", .ownThread(computing: true))
struct RichContentTests {
    static let validator = Validator(schema: try! Schema([
        SchemaType.document("story") {
            Field("body", .block)
            Field("cover", .image)
            Field("brief", .file)
            Field("attachments", .array(of: .primitive(.file)))
        },
    ]))

    static func markers(_ fields: JSONObject) -> [String] {
        var document: JSONObject = ["_id": "s-1", "_type": "story"]
        for (key, value) in fields { document[key] = value }
        return validator.validate(.object(document)).map(\.description)
    }

    @Test func paragraphsWithMarksLinksAndListsAreValid() {
        let body: JSONValue = [
            ["_type": "block", "_key": "b1", "style": "h2", "markDefs": [], "children": [["_type": "span", "_key": "s1", "text": "Heritage", "marks": []]]],
            ["_type": "block", "_key": "b2", "style": "normal",
             "markDefs": [["_key": "l1", "_type": "link", "href": "https://maison.example/collections/aurora"]],
             "children": [["_type": "span", "_key": "s1", "text": "See the ", "marks": ["em"]],
                          ["_type": "span", "_key": "s2", "text": "Aurora collection", "marks": ["strong", "l1"]]]],
            ["_type": "block", "_key": "b3", "listItem": "bullet", "children": [["_type": "span", "text": "Hand-set pavé", "marks": []]]],
        ]
        let cover: JSONValue = ["asset": ["_ref": "image-aurora-2000x1200-jpg"], "alt": "Aurora ring on silk",
                                "hotspot": ["x": 0.5, "y": 0.4, "width": 0.3, "height": 0.3]]
        #expect(Self.markers(["body": body, "cover": cover]) == [])
        #expect(Self.markers(["cover": ["url": "https://cdn.maison.example/aurora.jpg", "alt": "Aurora ring"]]) == [])
    }

    @Test func brokenBlocksAreMarkedWhereTheyBreak() {
        let body: JSONValue = [
            ["_type": "block", "_key": "b1", "style": "title",
             "markDefs": [["_key": "l1", "_type": "link", "href": "javascript:alert(1)"], ["_type": "link", "href": "/a"]],
             "children": [["_type": "span", "_key": "s1", "text": "x", "marks": ["bold", "l1"]], ["_type": "image", "_key": "s2"]]],
            ["_type": "block", "_key": "b2", "listItem": "roman"],
            "plain text",
        ]
        #expect(Self.markers(["body": body]) == [
            #"error at body[_key=="b1"].style: Must be one of normal, h1, h2, h3, h4, blockquote"#,
            #"error at body[_key=="b1"].markDefs[_key=="l1"].href: Must be a link target: an http(s) or mailto URL, or a path starting with /"#,
            #"error at body[_key=="b1"].markDefs[1]: A mark definition needs a _key"#,
            #"error at body[_key=="b1"].children[_key=="s1"].marks: Unknown mark "bold": use strong, em, underline, code, strike-through or the _key of a link in markDefs"#,
            #"error at body[_key=="b1"].children[_key=="s2"]: Must be a span ({"_type": "span", "text": "..."})"#,
            #"error at body[_key=="b2"].listItem: Must be one of bullet, number"#,
            #"error at body[_key=="b2"].children: Must be an array of spans"#,
            #"error at body[2]: Must be a block ({"_type": "block", "children": [...]}), found string"#,
        ])
        #expect(Self.markers(["body": "Once upon a time"]) == ["error at body: Must be an array of blocks, found string"])
    }

    @Test func brokenImagesAreMarked() {
        #expect(Self.markers(["cover": ["asset": "image-1", "alt": 3, "hotspot": ["x": 1.5, "y": 0.5, "width": 0.2]]]) == [
            #"error at cover.asset: Must be a reference to an asset ({"_ref": "image-..."})"#,
            "error at cover.alt: Must be a string, found number",
            "error at cover.hotspot.x: Must be a number from 0 to 1 (a fraction of the image)",
            "error at cover.hotspot.height: Must be a number from 0 to 1 (a fraction of the image)",
        ])
        #expect(Self.markers(["cover": ["alt": "No picture"]]) == ["error at cover: An image needs an asset reference or a url"])
        #expect(Self.markers(["cover": "aurora.jpg"]) == ["error at cover: Must be an image object, found string"])
    }

    @Test func theStudioLearnsTheStylesMarksAndImageFieldsFromTheExport() throws {
        let schema = try Schema([SchemaType.document("story") { Field("body", .block); Field("cover", .image) }])
        let fields = schema.json["types"]?[0]?["fields"]
        #expect(fields?[0]?["marks"]?["decorators"] == ["strong", "em", "underline", "code", "strike-through"])
        #expect(fields?[0]?["styles"]?.arrayValue?.count == 6)
        #expect(fields?[1]?["fields"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["asset", "url", "alt", "hotspot"])
        #expect(try Schema(json: schema.json) == schema)
    }

    @Test func filesReferToFileAssets() throws {
        #expect(Self.markers(["brief": ["_type": "file", "asset": ["_type": "reference", "_ref": "file-3f9a-pdf"], "description": "Brief"]]).isEmpty)
        #expect(Self.markers(["attachments": [["_type": "file", "_key": "a", "asset": ["_ref": "file-3f9a-pdf"]]]]).isEmpty)
        #expect(Self.markers(["brief": ["asset": ["_ref": "image-3f9a-10x10-png"]]]) == [
            #"error at brief.asset: Must be a reference to a file asset ({"_ref": "file-..."}); upload the file first"#,
        ])
        #expect(Self.markers(["brief": ["description": 4]]) == [
            "error at brief: A file needs an asset reference; upload the file (POST /v1/assets/files/:dataset) and refer to it",
            "error at brief.description: Must be a string, found number",
        ])
        #expect(Self.markers(["brief": "brief.pdf"]) == ["error at brief: Must be a file object, found string"])
        let schema = try Schema([SchemaType.document("story") { Field("brief", .file) }])
        #expect(schema.json["types"]?[0]?["fields"]?[0]?["type"] == "file")
        #expect(schema.json["types"]?[0]?["fields"]?[0]?["fields"]?[0]?["to"] == [["type": "sanity.fileAsset"]])
        #expect(try Schema(json: schema.json) == schema)
    }
}
