import FacetSchema
import GROQ

/// A named group of products launched together, with its season and inspiration.
let collection = SchemaType.document("collection", title: "Collection") {
    Field("title", .string()).rules(.required(), .max(120))
    Field("slug", .slug(source: "title")).rules(.required())
    Field("description", .text(rows: 3))
    Field("season", .string(options: [
        ListOption("spring-summer", title: "Spring / Summer"),
        ListOption("autumn-winter", title: "Autumn / Winter"),
        ListOption("holiday", title: "Holiday"),
        ListOption("permanent", title: "Permanent"),
    ], layout: .radio)).rules(.required())
    Field("launchDate", .date).rules(.required())
    Field("endDate", .date).rules(.custom("endsAfterItStarts"))
    Field("culturalInspiration", .text(rows: 3))
    Field("designAesthetic", .string(options: Vocabulary.designAesthetics))
    Field("heroImage", .image)
    Field("featured", .boolean).initialValue(false)
}
.preview(select: ["title": "title", "subtitle": "season", "media": "heroImage"])
.orderings(.init("launchDateDesc", title: "Newest first", by: [.init("launchDate", descending: true)]))
