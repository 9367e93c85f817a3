import FacetSchema
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("Analytics dashboards and the audit log", .ownThread(computing: true))
struct DashboardAndAuditLogTests {
    @Test func aDashboardNeedsTitleAndSlug() {
        #expect(CRM.markers(CRMSamples.dashboard.without("title", "slug")) == ["error at title: Required", "error at slug: Required"])
    }

    @Test func aWidgetWhoseQueryIsNotGROQIsRefused() {
        let dashboard = CRMSamples.dashboard.edited("widgets.0.query", to: #"*[_type == "analyticsModel" && ]"#)
        #expect(CRM.markers(dashboard) == [
            """
            error at widgets[_key=="w1"].query: Not valid GROQ: GROQ syntax error at line 1, column 32: expected an expression, found ']'
              *[_type == "analyticsModel" && ]
                                             ^
            """,
        ])
    }

    @Test func aWidgetNeedsTitleKindAndQuery() {
        let dashboard = CRMSamples.dashboard
            .without("widgets.1.title", "widgets.1.query")
            .edited("widgets.1.kind", to: "pie-chart")
            .edited("widgets.0.refreshMinutes", to: 0)
        #expect(CRM.markers(dashboard) == [
            "error at widgets[_key==\"w1\"].refreshMinutes: Must be greater than or equal to 1",
            "error at widgets[_key==\"w2\"].title: Required",
            "error at widgets[_key==\"w2\"].kind: Must be one of \"metric\", \"bar-chart\", \"line-chart\", \"donut-chart\", \"table\", \"list\"",
            "error at widgets[_key==\"w2\"].query: Required",
        ])
    }

    @Test func theAudienceIsStudioRolesOnceEach() {
        let dashboard = CRMSamples.dashboard.edited("audience", to: ["sales", "buyers", "sales"]).edited("refreshSchedule", to: "never")
        #expect(CRM.markers(dashboard) == [
            "error at audience[1]: Must be one of \"admin\", \"manager\", \"sales\", \"marketing\", \"support\"",
            "error at audience: Can't be a duplicate",
            "error at refreshSchedule: Must be one of \"hourly\", \"daily\", \"weekly\", \"monthly\"",
        ])
    }

    @Test func modelsAndTrendsAreWeakReferences() throws {
        #expect(CRM.field("analyticsDashboard", "models")?.type == .array(of: [.reference(to: ["analyticsModel"], weak: true)]))
        #expect(CRM.field("analyticsDashboard", "trends")?.type == .array(of: [.reference(to: ["trendAnalysis"], weak: true)]))
        let dashboard = CRMSamples.dashboard.edited("models", to: [["_key": "m1", "name": "Churn"]])
        #expect(CRM.markers(dashboard) == [
            "error at models[_key==\"m1\"]: Must be one of the array's member types (reference), found object",
        ])
    }

    @Test func everyAuditLogFieldIsReadOnly() throws {
        let auditLog = try #require(CRM.schema.type(named: "auditLog"))
        #expect(auditLog.fields.count == 12)
        #expect(auditLog.fields.filter { !$0.readOnly }.map(\.name) == [])
        #expect(auditLog.field("ipAddress")?.isPersonalData == true)
    }

    @Test func anAuditEntryNeedsSequenceTimeActionActorAndHash() {
        let entry = CRMSamples.auditEntry.without("sequence", "timestamp", "action", "actor", "hash")
        #expect(CRM.markers(entry) == [
            "error at sequence: Required",
            "error at timestamp: Required",
            "error at action: Required",
            "error at actor: Required",
            "error at hash: Required",
        ])
    }

    @Test func sequencesCountFromOne() {
        #expect(CRM.markers(CRMSamples.auditEntry.edited("sequence", to: 0)) == ["error at sequence: Must be greater than or equal to 1"])
        #expect(CRM.markers(CRMSamples.auditEntry.edited("sequence", to: 1042.5)) == ["error at sequence: Must be an integer"])
    }

    @Test(arguments: [
        "3A7BD3E2360A3D29EEA436FCFB7E44C735D117C42D1C1835420B6B9942DD4F1B",
        "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1",
        "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b0",
        "sha256:3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f",
        "zz7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
    ])
    func hashesAreLowercaseSHA256HexDigests(_ digest: String) {
        let entry = CRMSamples.auditEntry.edited("previousHash", to: .string(digest)).edited("hash", to: .string(digest))
        #expect(CRM.markers(entry) == [
            "error at previousHash: Does not match the SHA-256 hex digest",
            "error at hash: Does not match the SHA-256 hex digest",
        ])
    }

    @Test func actionsAndRolesComeFromTheirLists() {
        let entry = CRMSamples.auditEntry.edited("action", to: "hack").edited("actorRole", to: "intern").edited("timestamp", to: "yesterday")
        #expect(CRM.markers(entry) == [
            "error at timestamp: Must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z, found \"yesterday\"",
            "error at action: Must be one of \"create\", \"update\", \"delete\", \"publish\", \"unpublish\", \"login\", \"logout\", \"login-failed\", \"export\", \"export-open\", \"access-denied\", \"action\", \"transaction\", \"token-issued\", \"token-revoked\", \"refresh-reuse\", \"gdpr-export\", \"gdpr-erase\", \"role-change\", \"user-change\", \"key-rotation\", \"security-event\", \"refused-value\"",
            "error at actorRole: Must be one of \"admin\", \"manager\", \"sales\", \"marketing\", \"support\"",
        ])
    }
}
