import FacetSchema
import GROQ

/// A client's creative profile in the brief's four dimensions (musical, visual, experiential and
/// the synesthetic bridge between music and jewelry), used to design experiences and to find
/// music–design correlations.
let creativeExpression = SchemaType.document("creativeExpression", title: "Creative Expression") {
    Field("title", .string()).rules(.required(), .max(120))
    Field("customer", .reference(to: ["customer", "lizaCustomer"])).rules(.required())
    Field("musicalProfile", .object {
        Field("musicalPreferences", .array(of: .primitive(.string(options: Vocabulary.musicalGenres))))
            .rules(.required(), .uniqueItems())
        Field("emotionalTones", .array(of: .primitive(.string(options: [
            "energetic", "serene", "romantic", "powerful", "joyful", "reflective",
        ])))).rules(.uniqueItems())
        Field("soundscapePreferences", .array(of: .primitive(.string(options: [
            "orchestral", "minimalist", "layered", "rhythmic", "natural",
        ])))).rules(.uniqueItems())
        Field("experienceNarrative", .text(rows: 3), description: "The music as the story of the experience")
    }).group("musical")
    Field("visualProfile", .object {
        Field("colorPalettes", .array(of: .primitive(.string(options: [
            ListOption("precious-metals", title: "Precious Metals"),
            ListOption("jewel-tones", title: "Jewel Tones"),
            ListOption("pastels", title: "Pastels"),
            ListOption("earth-tones", title: "Earth Tones"),
            ListOption("monochromatic", title: "Monochromatic"),
            ListOption("high-contrast", title: "High Contrast"),
        ])))).rules(.uniqueItems())
        Field("lightingMoods", .array(of: .primitive(.string(options: ["warm", "cool", "dramatic", "soft", "natural"])))).rules(.uniqueItems())
        Field("designAesthetics", .array(of: .primitive(.string(options: Vocabulary.designAesthetics)))).rules(.uniqueItems())
        Field("visualSymbolism", .text(rows: 3))
    }).group("visual")
    Field("experientialProfile", .object {
        Field("experienceTypes", .array(of: .primitive(.string(options: [
            ListOption("vr-showroom", title: "VR Showroom"),
            ListOption("private-consultation", title: "Private Consultation"),
            ListOption("installation", title: "Installation"),
            ListOption("workshop", title: "Workshop"),
            ListOption("storytelling", title: "Storytelling"),
            ListOption("co-creation", title: "Co-creation"),
        ])))).rules(.uniqueItems())
        Field("sensoryEngagement", .array(of: .primitive(.string(options: [
            ListOption("touch-texture", title: "Touch & texture"),
            ListOption("spatial-flow", title: "Spatial flow"),
            ListOption("scent", title: "Scent"),
        ])))).rules(.uniqueItems())
        Field("timeframePreference", .string(options: [
            ListOption("brief", title: "Under 30 minutes"),
            ListOption("standard", title: "About an hour"),
            ListOption("extended", title: "Half a day"),
            ListOption("multi-session", title: "Several visits"),
        ]))
        Field("socialContext", .array(of: .primitive(.string(options: ["solo", "partner", "family", "group"])))).rules(.uniqueItems())
    }).group("experiential")
    Field("synestheticBridge", .object {
        Field("musicToJewelryMapping", .text(rows: 3))
        Field("jewelryStorytelling", .text(rows: 3))
        Field("creativeThemes", .array(of: .primitive(.string(options: [
            "journey", "love", "power", "artistry", "heritage", "nature",
        ])))).rules(.uniqueItems(), .maxItems(3).warning("Pick at most three themes for a clear story"))
    }).group("synesthetic")
    Field("capturedAt", .datetime)
    Field("capturedBy", .reference(to: "staff"))
}
.groups(
    .init("musical", title: "Musical", isDefault: true),
    .init("visual", title: "Visual"),
    .init("experiential", title: "Experiential"),
    .init("synesthetic", title: "Synesthetic Bridge")
)
.preview(select: ["title": "title", "subtitle": "customer.name"])
