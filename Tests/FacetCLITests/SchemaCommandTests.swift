import Foundation
import GROQ
import TestSupport
import Testing

/// `facet schema`: print, structure, check; and the CRM schema guarding `facet mutate`.
extension StoreCommandTests {
    static let crm = ["FACET_SCHEMA": "crm"]

    @Test func schemaPrintExportsEveryCRMTypeAsJSON() async throws {
        try await withProcessTurn {
            let printed = try await Self.run(["schema", "print", "--compact"])
            #expect(printed.status == 0, "\(printed.stderr)")
            let schema = try JSONValue(parsing: printed.stdout)
            let documentTypes = schema["types"]?.arrayValue?.filter { $0["type"] == "document" }.compactMap { $0["name"]?.stringValue }
            #expect(documentTypes == [
                "customer", "lizaCustomer", "product", "collection", "salesOrder", "marketingCampaign", "staff", "interaction",
                "creativeExpression", "analyticsModel", "trendAnalysis", "analyticsDashboard", "auditLog",
            ])
            let email = schema["types"]?[0]?["fields"]?.arrayValue?.first { $0["name"] == "email" }
            #expect(email?["sensitive"] == true && email?["personalData"] == true)

            let structure = try JSONValue(parsing: try await Self.run(["schema", "structure", "--compact"]).stdout)
            #expect(structure["items"]?.arrayValue?.compactMap { $0["title"]?.stringValue }
                == ["Customers", "Commerce", "Marketing", "Team", "Intelligence", "Compliance"])
        }
    }

    @Test func mutateValidatesAgainstTheCRMSchema() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                let unknown = try await Self.run(["mutate", "--data", data, "-"], input: #"[{"create": {"_id": "post-1", "_type": "post"}}]"#, environment: Self.crm)
                Self.expectFailure(unknown, #"Unknown document type "post"; the schema declares customer, lizaCustomer, product"#)

                let invalid = #"[{"create": {"_id": "staff-1", "_type": "staff", "name": "Ines Moreau", "email": "ines@", "jobTitle": "client-advisor", "studioRole": "sales"}}]"#
                Self.expectFailure(try await Self.run(["mutate", "--data", data, "-"], input: invalid, environment: Self.crm),
                                   #"Document "staff-1" has 1 validation error: email: Must be a valid email address"#)

                let valid = #"[{"create": {"_id": "staff-1", "_type": "staff", "name": "Ines Moreau", "email": "ines@maison.example", "jobTitle": "client-advisor", "studioRole": "sales"}}]"#
                let written = try await Self.run(["mutate", "--data", data, "--return-ids", "-"], input: valid, environment: Self.crm)
                #expect(written.status == 0, "\(written.stderr)")
                #expect(written.stdout.contains("staff-1"))
                // --schema none is the escape hatch for raw data, and wins over the environment.
                let raw = try await Self.run(["mutate", "--data", data, "--schema", "none", "-"],
                                             input: #"[{"create": {"_id": "post-1", "_type": "post"}}]"#, environment: Self.crm)
                #expect(raw.status == 0, "\(raw.stderr)")
                Self.expectFailure(try await Self.run(["query", "--data", data, "--schema", "crm2", "count(*)"]),
                                   "--schema crm2: unknown schema; use crm (the jewelry CRM) or none (no validation)")
            }
        }
    }

    @Test func schemaCheckReportsStoredDocumentsThatNoLongerValidate() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                // Written without the schema, as data imported before a schema change would be.
                let documents = """
                    [{"create": {"_id": "staff-1", "_type": "staff", "name": "Ines Moreau", "email": "ines@maison.example", "jobTitle": "client-advisor", "studioRole": "sales"}},
                     {"create": {"_id": "staff-2", "_type": "staff", "name": "Tom", "email": "tom@maison.example", "jobTitle": "jeweller", "studioRole": "sales", "nickname": "T"}},
                     {"create": {"_id": "drafts.staff-3", "_type": "staff", "name": "Ana"}}]
                    """
                #expect(try await Self.run(["mutate", "--data", data, "--schema", "none", "-"], input: documents).status == 0)
                let check = try await Self.run(["schema", "check", "--data", data], environment: Self.crm)
                #expect(check.status == 1)
                #expect(check.stdout == """
                    drafts.staff-3 (staff)
                      error at email: Required
                      error at jobTitle: Required
                      error at studioRole: Required
                    staff-2 (staff)
                      error at jobTitle: Must be one of "client-advisor", "senior-client-advisor", "boutique-manager", "marketing-specialist", "client-care", "director"
                      warning at nickname: Not declared in the schema of staff
                    Checked 3 documents: 2 documents with errors; 4 errors, 1 warning, 0 info.

                    """)
                let errorsOnly = try await Self.run(["schema", "check", "--data", data, "--level", "error", "--json"], environment: Self.crm)
                let report = try JSONValue(parsing: errorsOnly.stdout)
                #expect(report["checked"] == 3 && report["documentsWithErrors"] == 2)
                #expect(report["markers"] == ["error": 4, "warning": 1, "info": 0])
                #expect(report["documents"]?[1]?["markers"]?.arrayValue?.count == 1)

                #expect(try await Self.run(["mutate", "--data", data, "--schema", "none", "-"],
                                            input: #"[{"delete": {"id": "staff-2"}}, {"delete": {"id": "drafts.staff-3"}}]"#).status == 0)
                let clean = try await Self.run(["schema", "check", "--data", data], environment: Self.crm)
                #expect(clean.status == 0)
                #expect(clean.stdout == "Checked 1 document: 0 documents with errors; 0 errors, 0 warnings, 0 info.\n")
                Self.expectFailure(try await Self.run(["schema", "check", "--data", data, "--dataset", "staging"], environment: Self.crm), "staging")
                Self.expectFailure(try await Self.run(["schema", "check", "--data", data]), "--schema none: there is no schema to check against")
            }
        }
    }
}
