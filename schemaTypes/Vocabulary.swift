import FacetSchema
import GROQ

/// The CRM's controlled vocabularies: option lists that more than one type shares, so that a
/// customer's segment, a campaign's target segment and a trend's category always agree.
///
/// Values are lowercase kebab-case (what GROQ filters compare against); titles are what editors
/// read.
public enum Vocabulary {
    /// Customer value segments, from first purchase to the house's most valuable clients; the
    /// lifetime-value heuristic scales by segment (0.8× for `new` to 4.0× for `vip`).
    public static let segments: [ListOption] = [
        ListOption("new", title: "New"),
        ListOption("occasional", title: "Occasional"),
        ListOption("regular", title: "Regular"),
        ListOption("loyal", title: "Loyal"),
        ListOption("vip", title: "VIP"),
    ]

    /// The LIZA VIP programme's tiers: a base tier and the two the upsell model promotes to
    /// (Gold Preferred from $50K lifetime value, Platinum Premier from $100K).
    public static let lizaTiers: [ListOption] = [
        ListOption("liza-select", title: "LIZA Select"),
        ListOption("gold-preferred", title: "Gold Preferred"),
        ListOption("platinum-premier", title: "Platinum Premier"),
    ]

    /// The house's boutiques, where staff work: stable values, so that filters, role rules and
    /// reports survive a boutique's display name changing (migration `staff-boutique-keys`
    /// moved the stored display names onto these values).
    public static let boutiques: [ListOption] = [
        ListOption("paris-vendome", title: "Paris — Place Vendôme"),
        ListOption("london-new-bond-street", title: "London — New Bond Street"),
        ListOption("geneva-rue-du-rhone", title: "Geneva — Rue du Rhône"),
        ListOption("new-york-fifth-avenue", title: "New York — Fifth Avenue"),
        ListOption("los-angeles-rodeo-drive", title: "Los Angeles — Rodeo Drive"),
        ListOption("tokyo-ginza", title: "Tokyo — Ginza"),
        ListOption("hong-kong-landmark", title: "Hong Kong — Landmark"),
        ListOption("dubai-mall", title: "Dubai — The Dubai Mall"),
        ListOption("singapore-marina-bay", title: "Singapore — Marina Bay"),
        ListOption("sao-paulo-oscar-freire", title: "São Paulo — Rua Oscar Freire"),
    ]

    /// How well a client's experiences are harmonised with them ("energy alignment"); the trend
    /// dimension `energy-alignment` groups conversion, order value and retention by it.
    public static let energyAlignment: [ListOption] = [
        ListOption("exceptional", title: "Exceptional"),
        ListOption("strong", title: "Strong"),
        ListOption("moderate", title: "Moderate"),
        ListOption("developing", title: "Developing"),
    ]

    /// The five roles of the studio, from most to least privileged.
    public static let studioRoles: [ListOption] = [
        ListOption("admin", title: "Admin"),
        ListOption("manager", title: "Manager"),
        ListOption("sales", title: "Sales"),
        ListOption("marketing", title: "Marketing"),
        ListOption("support", title: "Support"),
    ]

    /// Ways the house reaches a client or a client reaches the house.
    public static let contactChannels: [ListOption] = [
        ListOption("in-store", title: "In store"),
        ListOption("phone", title: "Phone"),
        ListOption("email", title: "Email"),
        ListOption("sms", title: "SMS"),
        ListOption("whatsapp", title: "WhatsApp"),
        ListOption("video", title: "Video call"),
        ListOption("event", title: "Event"),
    ]

    /// Where an order is placed.
    public static let salesChannels: [ListOption] = [
        ListOption("boutique", title: "Boutique"),
        ListOption("online", title: "Online"),
        ListOption("phone", title: "Phone"),
        ListOption("private-appointment", title: "Private appointment"),
        ListOption("event", title: "Event"),
    ]

    /// Product categories, shared by products, collections and the affinity model.
    public static let productCategories: [ListOption] = [
        ListOption("rings", title: "Rings"),
        ListOption("necklaces", title: "Necklaces"),
        ListOption("earrings", title: "Earrings"),
        ListOption("bracelets", title: "Bracelets"),
        ListOption("brooches", title: "Brooches"),
        ListOption("watches", title: "Watches"),
    ]

    /// Design aesthetics (the brief's visual harmony list), shared by products and creative profiles.
    public static let designAesthetics: [ListOption] = [
        ListOption("modern", title: "Modern"),
        ListOption("vintage", title: "Vintage"),
        ListOption("bohemian", title: "Bohemian"),
        ListOption("art-deco", title: "Art Deco"),
        ListOption("organic", title: "Organic"),
        ListOption("futuristic", title: "Futuristic"),
    ]

    /// Musical genres (the brief's musical harmony list).
    public static let musicalGenres: [ListOption] = [
        ListOption("classical", title: "Classical"),
        ListOption("jazz", title: "Jazz"),
        ListOption("world-fusion", title: "World Fusion"),
        ListOption("ambient", title: "Ambient"),
        ListOption("acoustic", title: "Acoustic"),
    ]

    /// Core cultural values a client holds.
    public static let culturalValues: [ListOption] = [
        ListOption("family-legacy", title: "Family Legacy"),
        ListOption("harmony", title: "Harmony"),
        ListOption("innovation", title: "Innovation"),
        ListOption("excellence", title: "Excellence"),
        ListOption("craftsmanship", title: "Craftsmanship"),
        ListOption("spirituality", title: "Spirituality"),
        ListOption("sustainability", title: "Sustainability"),
        ListOption("celebration", title: "Celebration"),
    ]

    /// ISO 4217 currencies the house sells in.
    public static let currencies: [ListOption] = ["USD", "EUR", "GBP", "CHF", "JPY", "AED", "HKD", "SGD"]

    /// A BCP 47 language tag such as `en`, `fr-CA` or `zh-Hant`.
    public static let languageTagPattern = #"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$"#

    /// An international phone number: `+`, a country code, then groups of digits with optional
    /// spaces or dashes (`+33 1 42 60 00 00`, `+44 20 7946 0958`), 8 to 15 digits in all (E.164).
    public static let phonePattern = #"^(?=(?:[^0-9]*[0-9]){8,15}[^0-9]*$)\+[1-9][0-9]{0,2}(?:[ -]?[0-9]{1,4}){2,6}$"#

    /// Model risk levels, from most to least urgent.
    public static let riskLevels: [ListOption] = [
        ListOption("critical", title: "Critical"),
        ListOption("high", title: "High"),
        ListOption("medium", title: "Medium"),
        ListOption("low", title: "Low"),
    ]
}
