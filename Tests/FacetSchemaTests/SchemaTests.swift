import GROQ
import Testing
import TestSupport
@testable import FacetSchema

@Suite("Schema DSL and self-checks", .ownThread(computing: true))
struct SchemaTests {
    static let address = SchemaType.object("address") {
        Field("city", .string())
        Field("country", .string(options: ["FR", "CH"], layout: .radio))
    }

    static let customer = SchemaType.document("customer", title: "Customer") {
        Field("name", .string()).rules(.required())
        Field("slug", .slug(source: "name"))
        Field("email", .email).sensitive().personalData().rules(.required(), .email())
        Field("lifetimeValue", .number()).rules(.min(0), .max(1_000_000).warning("Check unusually large values"))
        Field("address", .named("address")).fieldset("contact")
        Field("tags", .array(of: .string)).rules(.uniqueItems())
        Field("assignedStaff", .reference(to: "staff"))
        Field("notes", .object {
            Field("text", .text(rows: 3))
            Field("pinned", .boolean)
        }).group("internal")
    }
    .fieldsets(.init("contact", title: "Contact"))
    .groups(.init("internal", title: "Internal"))
    .preview(select: ["title": "name", "subtitle": "email"])
    .orderings(.init("ltv", title: "Lifetime value", by: [.init("lifetimeValue", descending: true)]))

    static let staff = SchemaType.document("staff") {
        Field("name", .string())
    }

    @Test func aDeclaredSchemaCompilesAndAnswersQuestions() throws {
        let schema = try Schema([Self.customer, Self.address, Self.staff])
        #expect(schema.documentTypeNames == ["customer", "staff"])
        let customer = try #require(schema.type(named: "customer"))
        #expect(customer.field("email")?.isSensitive == true)
        #expect(customer.field("email")?.isPersonalData == true)
        #expect(customer.field("lifetimeValue")?.title == "Lifetime Value")
        #expect(customer.field("lifetimeValue")?.rules.last == Rule(.max(1_000_000), level: .warning, message: "Check unusually large values"))
        #expect(schema.type(named: "nope") == nil)
    }

    @Test func brokenSchemasAreRefusedWithEveryProblemNamed() {
        let broken = SchemaType.document("order") {
            Field("customer", .reference(to: "client"))
            Field("lines", .array(of: .object("line")))
            Field("status", .string(options: [ListOption(1, title: "One")]))
            Field("status", .string())
            Field("slug", .slug(source: "title"))
            Field("where", .named("customer")).fieldset("missing")
        }
        .preview(select: ["title": "total"])
        do {
            _ = try Schema([broken, Self.customer, Self.address, Self.staff, Self.staff])
            Issue.record("the schema was accepted")
        } catch {
            let problems = error.problems.map(\.description)
            #expect(problems == [
                "staff: the type is declared twice; give each type its own name",
                "order.customer: it references the type \"client\", which the schema does not declare",
                "order.lines[]: the type \"line\" is not declared in the schema",
                "order.status: the list option \"One\" has a number value; a string field's options must be strings",
                "order.status: the field is declared twice in the same object",
                "order.slug: the slug's source \"title\" is not a field beside it",
                "order.where: the fieldset \"missing\" is not declared on the type",
                "order.where: \"customer\" is a document type; embed object types, reference document types",
                "order: the preview selects title: \"total\", but the type has no field \"total\"; fields are customer, lines, status, status, slug, where",
            ], "\(problems)")
            #expect(error.description.hasPrefix("The schema has 9 problems:"))
        }
    }

    @Test func aRegexThatDoesNotCompileIsASchemaProblem() {
        let type = SchemaType.document("product") {
            Field("variants", .array(of: .inline(name: "variant", fields: [Field("sku", .string()).rules(.regex("^[A-Z(+$", name: "SKU"))])))
        }
        #expect {
            try Schema([type])
        } throws: { error in
            (error as? SchemaError)?.problems.map(\.description)
                == [#"product.variants[].sku: the regex rule's pattern "^[A-Z(+$" is not a valid regular expression"#]
        }
    }

    @Test func referencesMustPointToDocumentTypes() {
        let type = SchemaType.document("x") { Field("a", .reference(to: "address")) }
        #expect(throws: SchemaError.self) { try Schema([type, Self.address]) }
    }

    @Test func indexedFieldsGiveTheirPathsOnceAndSurviveTheJSONRoundTrip() throws {
        let order = SchemaType.document("order") {
            Field("status", .string()).indexed()
            Field("customer", .reference(to: "invoice")).indexed()
            Field("address", .object {
                Field("city", .string()).indexed()
                Field("street", .string())
            })
            Field("total", .number())
        }
        let invoice = SchemaType.document("invoice") {
            Field("status", .string()).indexed()
        }
        let schema = try Schema([order, invoice])
        #expect(schema.indexedPaths == [["status"], ["customer", "_ref"], ["address", "city"]])
        #expect(schema.json["types"]?[0]?["fields"]?[0]?["indexed"] == true)
        #expect(schema.json["types"]?[0]?["fields"]?[3]?["indexed"] == nil)
        let decoded = try Schema(json: schema.json)
        #expect(decoded == schema)
        #expect(decoded.indexedPaths == schema.indexedPaths)
        #expect(Validator(schema: schema).indexedPaths == schema.indexedPaths)
    }

    @Test func aDuplicateLeavesOutWhatBelongsToTheOriginalAlone() throws {
        let order = SchemaType.document("order") {
            Field("number", .string()).rules(.unique())
            Field("date", .datetime)
            Field("birthday", .date)
            Field("email", .email).personalData()
            Field("card", .string()).sensitive()
            Field("score", .number()).readOnly()
            Field("total", .number()).duplicate(false)
            Field("channel", .string())
            Field("when", .date).duplicate(true)
        }
        let kept = Dictionary(uniqueKeysWithValues: order.fields.map { ($0.name, $0.keptOnDuplicate) })
        #expect(kept == ["number": false, "date": false, "birthday": false, "email": false, "card": false, "score": false,
                         "total": false, "channel": true, "when": true])
        let schema = try Schema([order])
        let fields = try #require(schema.json["types"]?[0]?["fields"]?.arrayValue)
        #expect(fields.map { $0["keptOnDuplicate"]?.boolValue ?? true } == order.fields.map(\.keptOnDuplicate))
        #expect(try Schema(json: schema.json) == schema)
    }

    @Test func searchFieldsAreDeclaredOrTakenFromThePreview() throws {
        let client = SchemaType.document("client") {
            Field("name", .string())
            Field("email", .email)
            Field("city", .string())
        }
        #expect(client.searchFields == ["name"])
        #expect(client.preview(select: ["title": "name", "subtitle": "city"]).searchFields == ["name", "city"])
        let declared = client.searchable("name", "email").distinguishedBy("city")
        #expect(declared.searchFields == ["name", "email"])
        let schema = try Schema([declared])
        #expect(schema.json["types"]?[0]?["search"] == ["name", "email"])
        #expect(schema.json["types"]?[0]?["distinguishingFields"] == ["city"])
        #expect(try Schema(json: schema.json) == schema)
        #expect(throws: SchemaError.self) { try Schema([client.searchable("name", "nickname")]) }
        #expect(throws: SchemaError.self) { try Schema([client.distinguishedBy("town")]) }
    }

    @Test func theSchemaExportsAsJSON() throws {
        let schema = try Schema([Self.customer, Self.address, Self.staff])
        let customer = try #require(schema.json["types"]?[0])
        #expect(customer["name"] == "customer" && customer["type"] == "document")
        #expect(customer["fields"]?[1] == ["name": "slug", "title": "Slug", "type": "slug", "options": ["source": "name"]])
        #expect(customer["fields"]?[2] == [
            "name": "email", "title": "Email", "type": "email", "sensitive": true, "personalData": true, "keptOnDuplicate": false,
            "validation": [["flag": "required", "level": "error"], ["flag": "email", "level": "error"]],
        ])
        #expect(customer["fields"]?[3]?["validation"]?[1] == ["flag": "max", "constraint": 1_000_000, "level": "warning", "message": "Check unusually large values"])
        #expect(customer["fields"]?[4] == ["name": "address", "title": "Address", "type": "address", "fieldset": "contact"])
        #expect(customer["fields"]?[5]?["of"] == [["type": "string"]])
        #expect(customer["fields"]?[6]?["to"] == [["type": "staff"]])
        #expect(customer["fields"]?[7]?["fields"]?[0] == ["name": "text", "title": "Text", "type": "text", "rows": 3])
        #expect(customer["fields"]?[7]?["group"] == ["internal"])
        #expect(customer["preview"] == ["select": ["subtitle": "email", "title": "name"], "prepare": nil])
        #expect(customer["orderings"]?[0]?["by"] == [["field": "lifetimeValue", "direction": "desc"]])
        let address = try #require(schema.json["types"]?[1])
        #expect(address["fields"]?[1]?["options"] == ["list": [["value": "FR", "title": "FR"], ["value": "CH", "title": "CH"]], "layout": "radio"])
        // The export carries the whole schema: reading it back gives the same schema.
        let text = schema.json.serialized()
        #expect(try Schema(json: JSONValue(parsing: text)) == schema)
    }

    @Test func everyFieldTypeAndRuleSurvivesTheRoundTrip() throws {
        let everything = SchemaType.document("everything") {
            Field("s", .string(options: [ListOption("a", title: "A")], layout: .radio)).hidden().readOnly().initialValue("a")
            Field("n", .number(options: [ListOption(1, title: "One")])).rules(.min(0), .max(9), .integer(), .positive(), .precision(2))
            Field("neg", .number()).rules(.negative(), .greaterThan(-5), .lessThan(0), .greaterThan(field: "n"), .lessThan(field: "n"))
            Field("t", .text(rows: 2)).rules(.length(3), .regex("^x", name: "x", invert: true).info("no x"))
            Field("b", .boolean)
            Field("d", .date)
            Field("dt", .datetime)
            Field("u", .url).rules(.uri(schemes: ["https"]))
            Field("e", .email).rules(.email(), .unique(), .custom("check"))
            Field("slug", .slug(source: "s"))
            Field("img", .image)
            Field("geo", .geopoint)
            Field("body", .block)
            Field("refs", .array(of: .reference(to: ["everything"], weak: true), .string, .inline(name: "pair", fields: [Field("k", .string())])))
                .rules(.minItems(1), .maxItems(3), .uniqueItems())
            Field("addr", .named("address"))
            Field("obj", .object { Field("inner", .number()) })
        }
        .liveEdit()
        let schema = try Schema([everything, Self.address])
        #expect(try Schema(json: JSONValue(parsing: schema.json.serialized())) == schema)
        #expect(throws: SchemaError.self) { try Schema(json: ["types": [["name": "x", "type": "thing", "fields": []]]]) }
        #expect(throws: SchemaError.self) { try Schema(json: ["nope": true]) }
    }
}
