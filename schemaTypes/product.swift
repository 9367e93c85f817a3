import FacetSchema
import GROQ

/// A piece the house sells: what it is, what it is made of, its price and stock.
let product = SchemaType.document("product", title: "Product") {
    Field("name", .string()).rules(.required(), .max(120))
    Field("slug", .slug(source: "name")).rules(.required())
    Field("sku", .string(), title: "SKU", description: "Category code, dash, number: RG-10042")
        .rules(.required(), .regex(#"^[A-Z]{2,4}-[0-9]{3,6}$"#, name: "SKU format"), .unique())
    Field("category", .string(options: Vocabulary.productCategories)).rules(.required())
    Field("collection", .reference(to: "collection"))
    Field("price", .number(), description: "List price in the product's currency").rules(.required(), .greaterThan(0), .precision(2))
    Field("currency", .string(options: Vocabulary.currencies)).rules(.required()).initialValue("USD")
    Field("metal", .string(options: [
        ListOption("yellow-gold", title: "Yellow gold"),
        ListOption("white-gold", title: "White gold"),
        ListOption("rose-gold", title: "Rose gold"),
        ListOption("platinum", title: "Platinum"),
        ListOption("silver", title: "Sterling silver"),
    ]))
    Field("gemstones", .array(of: .primitive(.string(options: [
        "diamond", "sapphire", "ruby", "emerald", "pearl", "tanzanite", "opal", "aquamarine", "morganite", "onyx",
    ])))).rules(.uniqueItems())
    Field("caratWeight", .number(), description: "Total gem weight in carats").rules(.greaterThan(0), .precision(2))
    Field("designAesthetic", .string(options: Vocabulary.designAesthetics))
    Field("description", .block)
    Field("images", .array(of: .primitive(.image))).rules(.maxItems(12))
    Field("stockQuantity", .number()).rules(.integer(), .min(0)).initialValue(0)
    Field("isAvailable", .boolean, title: "Available").initialValue(true)
    Field("launchDate", .date)
}
.preview(select: ["title": "name", "subtitle": "sku", "media": "images[0]"])
.orderings(
    .init("priceDesc", title: "Price, highest first", by: [.init("price", descending: true)]),
    .init("nameAsc", title: "Name", by: [.init("name")])
)
