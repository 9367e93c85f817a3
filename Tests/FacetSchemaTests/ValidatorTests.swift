import GROQ
import Testing
import TestSupport
@testable import FacetSchema

@Suite("Validation markers", .ownThread(computing: true))
struct ValidatorTests {
    static let schema: Schema = {
        let line = SchemaType.object("line") {
            Field("sku", .string()).rules(.required())
            Field("quantity", .number()).rules(.required(), .integer(), .positive())
        }
        let order = SchemaType.document("order") {
            Field("code", .string()).rules(.required(), .regex("^ORD-[0-9]+$", name: "order code"), .unique())
            Field("status", .string(options: ["open", "paid"]))
            Field("email", .email).rules(.email())
            Field("site", .url).rules(.uri(schemes: ["https"]))
            Field("discount", .number()).rules(.min(0), .max(0.5).warning("Over half off"), .precision(2))
            Field("subtotal", .number())
            Field("total", .number()).rules(.greaterThan(field: "subtotal"))
            Field("placed", .date)
            Field("shipped", .datetime)
            Field("isGift", .boolean)
            Field("lines", .array(of: .object("line"))).rules(.minItems(1), .uniqueItems())
            Field("tags", .array(of: .string)).rules(.maxItems(2))
            Field("customer", .reference(to: "customer")).rules(.required())
            Field("where", .geopoint)
            Field("note", .string()).rules(.custom("noShouting"), .length(3).info())
        }
        let customer = SchemaType.document("customer") { Field("name", .string()) }
        return try! Schema([order, line, customer])
    }()

    static let validator = Validator(
        schema: schema,
        customChecks: ["noShouting": { value, _ in value?.stringValue.map { $0 == $0.uppercased() && $0.count > 1 ? "Please do not shout" : nil } ?? nil }],
        isUnique: { _, _, value, id in !(value == "ORD-1" && id != "o-1") })

    static let valid: JSONValue = [
        "_id": "o-1", "_type": "order", "code": "ORD-1", "status": "paid", "email": "ada@example.com", "site": "https://example.com",
        "discount": 0.25, "subtotal": 100, "total": 120, "placed": "2026-01-31", "shipped": "2026-02-01T10:00:00Z", "isGift": false,
        "lines": [["_key": "a", "_type": "line", "sku": "R-1", "quantity": 1], ["_key": "b", "_type": "line", "sku": "R-2", "quantity": 2]],
        "tags": ["ring"], "customer": ["_ref": "c-1"], "where": ["lat": 48.85, "lng": 2.35], "note": "ok!",
    ]

    @Test func aValidDocumentHasNoMarkers() {
        #expect(Self.validator.validate(Self.valid) == [])
    }

    @Test func everyBrokenRuleGivesItsMarker() {
        let invalid: JSONValue = [
            "_id": "o-2", "_type": "order", "code": "ORD-1", "status": "lost", "email": "ada-at-example", "site": "http://example.com",
            "discount": 0.755, "subtotal": 100, "total": 90, "placed": "31/01/2026", "shipped": "yesterday", "isGift": "no",
            "lines": [["_key": "a", "_type": "line", "quantity": 1.5], ["_key": "b", "_type": "line", "quantity": 1.5]],
            "tags": ["a", "b", "c"], "customer": "c-1", "where": ["lat": "48"], "note": "HEY", "extra": 1,
        ]
        let markers = Self.validator.validate(invalid).map(\.description)
        #expect(markers == [
            "error at code: Must be unique: another order has this value",
            "error at status: Must be one of \"open\", \"paid\"",
            "error at email: Must be a valid email address",
            "error at site: Does not match the allowed protocols/schemes: https",
            "warning at discount: Over half off",
            "error at discount: Max precision is 2",
            "error at total: Must be greater than subtotal (100)",
            "error at placed: Must be a date as YYYY-MM-DD, found \"31/01/2026\"",
            "error at shipped: Must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z, found \"yesterday\"",
            "error at isGift: Must be true or false, found string",
            "error at lines[_key==\"a\"].sku: Required",
            "error at lines[_key==\"a\"].quantity: Must be an integer",
            "error at lines[_key==\"b\"].sku: Required",
            "error at lines[_key==\"b\"].quantity: Must be an integer",
            "error at lines: Can't be a duplicate",
            "error at tags: Must have at most 2 items",
            "error at customer: Must be a reference ({\"_ref\": \"<id>\"}) to customer, found string",
            "error at where: Must be a geopoint with numeric lat and lng, found object",
            "error at note: Please do not shout",
            "warning at extra: Not declared in the schema of order",
        ], "\(markers)")
    }

    @Test func requiredRulesAndUnknownTypes() {
        let markers = Self.validator.validate(["_id": "o-3", "_type": "order", "code": "", "lines": []]).map(\.description)
        #expect(markers == ["error at code: Required", "error at code: Does not match the order code", "error at lines: Must have at least 1 items",
                            "error at customer: Required"])
        #expect(Self.validator.validate(["_type": "invoice"]).map(\.description)
                == ["error at _type: Unknown document type \"invoice\"; the schema declares order, customer"])
        #expect(Self.validator.validate(["_type": "line"]).first?.message.hasPrefix("Unknown document type \"line\"") == true)
        #expect(Self.validator.validate("text").first?.message == "A document must be an object, found string")
    }

    @Test func anUnregisteredCustomRuleIsReported() {
        let bare = Validator(schema: Self.schema)
        var document = Self.valid
        if case .object(var object) = document { object["note"] = "hi!"; document = .object(object) }
        #expect(bare.validate(document).map(\.description) == ["error at note: The custom rule \"noShouting\" is not registered with the validator"])
    }
}
