import FacetSchema
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("Products and collections", .ownThread(computing: true))
struct ProductAndCollectionTests {
    @Test func aProductNeedsNameSlugSkuCategoryPriceAndCurrency() {
        let piece = CRMSamples.ring.without("name", "slug", "sku", "category", "price", "currency")
        #expect(CRM.markers(piece) == [
            "error at name: Required",
            "error at slug: Required",
            "error at sku: Required",
            "error at category: Required",
            "error at price: Required",
            "error at currency: Required",
        ])
    }

    @Test(arguments: ["RG-10042", "NK-220", "BRAC-123456", "ER-2207"])
    func skusOfCategoryCodeDashNumberAreAccepted(_ sku: String) {
        #expect(CRM.markers(CRMSamples.ring.edited("sku", to: .string(sku))) == [])
    }

    @Test(arguments: ["RG10042", "rg-10042", "RG-42", "RINGS-10042", "RG-1234567", "R-10042"])
    func otherSkusAreRefused(_ sku: String) {
        #expect(CRM.markers(CRMSamples.ring.edited("sku", to: .string(sku))) == ["error at sku: Does not match the SKU format"])
    }

    @Test(arguments: [0, -18500] as [JSONValue])
    func aPieceIsNeverFreeOrNegativelyPriced(_ price: JSONValue) {
        #expect(CRM.markers(CRMSamples.ring.edited("price", to: price)) == ["error at price: Must be greater than 0"])
    }

    @Test func pricesAndWeightsAreToTheCent() {
        let piece = CRMSamples.ring.edited("price", to: 18500.125).edited("caratWeight", to: 1.505)
        #expect(CRM.markers(piece) == ["error at price: Max precision is 2", "error at caratWeight: Max precision is 2"])
        #expect(CRM.markers(CRMSamples.ring.edited("caratWeight", to: 0)) == ["error at caratWeight: Must be greater than 0"])
    }

    @Test func listsOfTheHouseAreKeptTo() {
        let piece = CRMSamples.ring
            .edited("category", to: "tiaras")
            .edited("currency", to: "BTC")
            .edited("metal", to: "titanium")
            .edited("gemstones", to: ["diamond", "moissanite", "diamond"])
            .edited("designAesthetic", to: "brutalist")
        #expect(CRM.markers(piece) == [
            "error at category: Must be one of \"rings\", \"necklaces\", \"earrings\", \"bracelets\", \"brooches\", \"watches\"",
            "error at currency: Must be one of \"USD\", \"EUR\", \"GBP\", \"CHF\", \"JPY\", \"AED\", \"HKD\", \"SGD\"",
            "error at metal: Must be one of \"yellow-gold\", \"white-gold\", \"rose-gold\", \"platinum\", \"silver\"",
            "error at gemstones[1]: Must be one of \"diamond\", \"sapphire\", \"ruby\", \"emerald\", \"pearl\", \"tanzanite\", \"opal\", \"aquamarine\", \"morganite\", \"onyx\"",
            "error at gemstones: Can't be a duplicate",
            "error at designAesthetic: Must be one of \"modern\", \"vintage\", \"bohemian\", \"art-deco\", \"organic\", \"futuristic\"",
        ])
    }

    @Test func stockIsAWholeNonNegativeCount() {
        #expect(CRM.markers(CRMSamples.ring.edited("stockQuantity", to: 2.5)) == ["error at stockQuantity: Must be an integer"])
        #expect(CRM.markers(CRMSamples.ring.edited("stockQuantity", to: -1)) == ["error at stockQuantity: Must be greater than or equal to 0"])
    }

    static let packshot: JSONValue = [
        "_type": "image", "asset": ["_type": "reference", "_ref": "image-4f1c2a-2000x2000-jpg"], "alt": "The ring on black velvet",
    ]

    @Test func moreThanTwelveImagesIsRefused() {
        let images = { (count: Int) in CRMSamples.ring.edited("images", to: .array(Array(repeating: Self.packshot, count: count))) }
        // Only the array's own rule: see `anArrayOfImagesIsAccepted` for its members.
        #expect(CRM.validator.validate(images(12)).filter { $0.path == "images" } == [])
        #expect(CRM.validator.validate(images(13)).filter { $0.path == "images" } == [
            ValidationMarker(path: "images", level: .error, message: "Must have at most 12 items"),
        ])
    }

    @Test func anArrayOfImagesIsAccepted() {
        let piece = CRMSamples.ring.edited("images", to: [Self.packshot.edited("_key", to: "i1")])
        #expect(CRM.markers(piece) == [])
    }

    @Test func aStoneOfOnePointOneFiveCaratsIsToTheCent() {
        #expect(CRM.markers(CRMSamples.ring.edited("caratWeight", to: 1.15)) == [])
        #expect(CRM.markers(CRMSamples.ring.edited("caratWeight", to: 1.155)) == ["error at caratWeight: Max precision is 2"])
    }

    @Test func slugsReferencesAndBooleansMustHaveTheirShape() {
        let piece = CRMSamples.ring
            .edited("slug", to: "lumiere-solitaire-ring")
            .edited("collection", to: "collection.lumiere")
            .edited("isAvailable", to: "yes")
        #expect(CRM.markers(piece) == [
            "error at slug: Must be a slug object with a \"current\" string, found string",
            "error at collection: Must be a reference ({\"_ref\": \"<id>\"}) to collection, found string",
            "error at isAvailable: Must be true or false, found string",
        ])
    }

    @Test func aCollectionNeedsTitleSlugSeasonAndLaunchDate() {
        let collection = CRMSamples.collection.without("title", "slug", "season", "launchDate")
        // Without a launch date there is nothing to compare the end date with.
        #expect(CRM.markers(collection) == [
            "error at title: Required",
            "error at slug: Required",
            "error at season: Required",
            "error at launchDate: Required",
        ])
    }

    @Test func aCollectionCannotEndBeforeItLaunches() {
        let collection = CRMSamples.collection.edited("endDate", to: "2025-09-14")
        #expect(CRM.markers(collection) == ["error at endDate: Must not be before launchDate (2025-09-15)"])
        #expect(CRM.markers(CRMSamples.collection.edited("endDate", to: "2025-09-15")) == [])
    }

    @Test func aCollectionsSeasonAndImageAreChecked() {
        let collection = CRMSamples.collection
            .edited("season", to: "winter")
            .edited("heroImage", to: ["_type": "image", "asset": ["_id": "image-garnier"]])
            .edited("featured", to: 1)
        #expect(CRM.markers(collection) == [
            "error at season: Must be one of \"spring-summer\", \"autumn-winter\", \"holiday\", \"permanent\"",
            "error at heroImage.asset: Must be a reference to an asset ({\"_ref\": \"image-...\"})",
            "error at featured: Must be true or false, found number",
        ])
    }
}
