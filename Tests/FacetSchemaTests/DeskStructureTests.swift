import GROQ
import Testing
import TestSupport
@testable import FacetSchema

@Suite("Desk structure", .ownThread(computing: true))
struct DeskStructureTests {
    static let schema = try! Schema([
        SchemaType.document("customer") { Field("tier", .string(options: ["gold", "silver"])) },
        SchemaType.document("salesOrder") { Field("status", .string()) },
        SchemaType.object("address") { Field("city", .string()) },
    ])

    @Test func aStructureResolvesAndExports() throws {
        let desk = try DeskStructure(schema: Self.schema) {
            StructureNode.list("customers", title: "Customers") {
                StructureNode.documents(ofType: "customer", title: "All customers")
                for tier in ["gold", "silver"] {
                    StructureNode.documents("tier-\(tier)", title: tier.capitalized, type: "customer",
                                            filter: "_type == 'customer' && tier == $tier", params: ["tier": .string(tier)])
                }
            }
            StructureNode.divider
            StructureNode.documents(ofType: "salesOrder", title: "Sales orders")
        }
        #expect(desk.typeNames == ["customer", "salesOrder"])
        #expect(desk.json["items"]?[0]?["items"]?[2] == [
            "kind": "documentList", "id": "tier-silver", "title": "Silver", "schemaType": "customer",
            "filter": "_type == 'customer' && tier == $tier", "params": ["tier": "silver"],
        ])
        #expect(desk.json["items"]?[1] == ["kind": "divider"])
        #expect(desk.json["items"]?[2] == ["kind": "documentTypeList", "id": "salesOrder", "title": "Sales orders", "schemaType": "salesOrder"])
    }

    @Test func templatesAreCheckedAgainstTheSchemaAndExported() throws {
        let schema = try Schema([
            SchemaType.document("client") { Field("name", .string()) },
            SchemaType.document("order") {
                Field("client", .reference(to: "client"))
                Field("placed", .datetime)
                Field("channel", .string())
            },
        ])
        let template = DocumentTemplate("order-for-client", title: "New order", type: "order",
                                        parameters: [.init("client", title: "Client", to: ["client"])],
                                        fill: ["client": .parameter("client"), "placed": .now, "channel": .constant("shop")])
        let desk = try DeskStructure(schema: schema, templates: [template]) { StructureNode.documents(ofType: "order", title: "Orders") }
        #expect(desk.json["templates"]?[0]?["value"] == [
            "channel": ["$value": "shop"], "client": ["$parameter": "client"], "placed": ["$context": "now"],
        ])
        #expect(desk.json["templates"]?[0]?["parameters"] == [["name": "client", "title": "Client", "to": ["client"]]])

        let broken = DocumentTemplate("broken", title: "Broken", type: "order", parameters: [.init("who", title: "Who", to: ["address"])],
                                      fill: ["client": .parameter("someone"), "channel": .now, "name": .signedInStaff, "placed": .signedInStaff])
        do {
            _ = try DeskStructure(schema: schema, templates: [broken, template, template]) { StructureNode.documents(ofType: "order", title: "Orders") }
            Issue.record("the templates were accepted")
        } catch {
            let problems = error.problems.map(\.description)
            #expect(problems.count == 6, "\(problems)")
            #expect(problems.contains { $0.contains("fills \"client\" from the parameter \"someone\", which it does not declare") })
            #expect(problems.contains { $0.contains("\"channel\" with the time of creation") })
            #expect(problems.contains { $0.contains("fills \"name\", which is not a field of order") })
            #expect(problems.contains { $0.contains("fills \"placed\" with the signed-in staff member") })
            #expect(problems.contains { $0.contains("refers to \"address\", which is not a document type") })
            #expect(problems.contains { $0.contains("two templates have the id \"order-for-client\"") })
        }
    }

    @Test func aStructureNamingWhatDoesNotExistIsRefused() {
        do {
            _ = try DeskStructure(schema: Self.schema) {
                StructureNode.list("a", title: "A") {
                    StructureNode.documents(ofType: "invoice", title: "Invoices")
                    StructureNode.documents(ofType: "address", title: "Addresses")
                    StructureNode.documents("x", title: "X", filter: "_type ==")
                    StructureNode.documents("x", title: "X again", filter: "true")
                }
            }
            Issue.record("the structure was accepted")
        } catch {
            let problems = error.problems.map(\.description)
            #expect(problems.count == 4, "\(problems)")
            #expect(problems[0] == "desk.a.invoice: lists the type \"invoice\", which the schema does not declare")
            #expect(problems[1] == "desk.a.address: lists \"address\", an object type; only document types have documents")
            #expect(problems[2].hasPrefix("desk.a.x: the filter is not valid GROQ"))
            #expect(problems[3] == "desk.a.x: two items here have the id \"x\"")
        }
    }
}
