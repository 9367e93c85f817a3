/// The asset documents every schema has, as in Sanity: `sanity.imageAsset` and
/// `sanity.fileAsset`, written by the upload API and never edited by hand. They are built in:
/// a content model does not declare them, and its image fields refer to them.
///
/// ```swift
/// schema.type(named: "sanity.imageAsset")?.field("metadata")   // found without being declared
/// ```
extension SchemaType {
    /// The types the schema knows without their being declared.
    public static let builtIn: [SchemaType] = [imageAsset, fileAsset]

    private static func assetFields() -> [Field] {
        [
            Field("originalFilename", .string(), title: "Original file name"),
            Field("title", .string()),
            Field("description", .text(rows: 3)),
            Field("label", .string()),
            Field("creditLine", .string()),
            Field("altText", .string(), title: "Alternative text"),
            Field("source", .object {
                Field("name", .string())
                Field("id", .string(), title: "ID")
                Field("url", .url, title: "URL")
            }),
            Field("assetId", .string(), title: "Asset ID").readOnly(),
            Field("sha1hash", .string(), title: "SHA-1").readOnly(),
            Field("extension", .string()).readOnly(),
            Field("mimeType", .string(), title: "MIME type").readOnly(),
            Field("size", .number(), description: "Bytes").readOnly(),
            Field("path", .string()).readOnly(),
            Field("url", .url, title: "URL").readOnly(),
            Field("uploadId", .string(), title: "Upload ID").hidden(),
        ]
    }

    private static let swatch = FieldType.object {
        Field("_type", .string()).hidden()
        Field("background", .string())
        Field("foreground", .string())
        Field("title", .string())
        Field("population", .number())
    }

    public static let imageAsset = SchemaType(
        "sanity.imageAsset", kind: .document, title: "Image", description: "An uploaded image",
        fields: assetFields() + [
            Field("metadata", .object {
                Field("dimensions", .object {
                    Field("width", .number())
                    Field("height", .number())
                    Field("aspectRatio", .number())
                })
                Field("hasAlpha", .boolean)
                Field("isOpaque", .boolean)
                Field("lqip", .string(), title: "Placeholder (LQIP)")
                Field("blurHash", .string(), title: "BlurHash")
                Field("palette", .object {
                    for name in ["dominant", "vibrant", "lightVibrant", "darkVibrant", "muted", "lightMuted", "darkMuted"] {
                        Field(name, swatch)
                    }
                })
                Field("exif", .object { Field("_type", .string()).hidden() }, title: "EXIF")
                Field("location", .geopoint)
            }).readOnly(),
        ])
        .preview(select: ["title": "originalFilename", "subtitle": "mimeType"])

    public static let fileAsset = SchemaType(
        "sanity.fileAsset", kind: .document, title: "File", description: "An uploaded file",
        fields: assetFields())
        .preview(select: ["title": "originalFilename", "subtitle": "mimeType"])
}
