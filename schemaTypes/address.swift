import FacetSchema

/// A postal address with an optional map point; kept whole inside the customer (sensitive and
/// personal there, plain on a boutique).
let address = SchemaType.object("address", title: "Address") {
    Field("street", .string()).rules(.max(200))
    Field("city", .string()).rules(.required(), .max(100))
    Field("region", .string(), title: "Region / State").rules(.max(100))
    Field("postalCode", .string()).rules(.max(20))
    Field("country", .string(), description: "ISO 3166-1 alpha-2 code, e.g. FR")
        .rules(.required(), .regex("^[A-Z]{2}$", name: "two-letter country code"))
    Field("location", .geopoint)
}
