import GROQ
import Testing
@testable import FacetSchema

@Suite("Desk structure")
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
