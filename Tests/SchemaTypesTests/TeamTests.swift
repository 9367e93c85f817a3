import FacetSchema
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("Staff and interactions", .ownThread(computing: true))
struct TeamTests {
    @Test func aMemberOfStaffNeedsNameEmailJobAndStudioRole() {
        let advisor = CRMSamples.staff.without("name", "email", "jobTitle", "studioRole")
        #expect(CRM.markers(advisor) == [
            "error at name: Required",
            "error at email: Required",
            "error at jobTitle: Required",
            "error at studioRole: Required",
        ])
    }

    @Test func theStudioRoleIsOneOfTheFiveRoles() {
        let advisor = CRMSamples.staff
            .edited("email", to: "claire.dubois@")
            .edited("phone", to: "06 12 34 56 78")
            .edited("jobTitle", to: "gemologist")
            .edited("studioRole", to: "owner")
        #expect(CRM.markers(advisor) == [
            "error at email: Must be a valid email address",
            "error at phone: Does not match the international phone number",
            "error at jobTitle: Must be one of \"client-advisor\", \"senior-client-advisor\", \"boutique-manager\", \"marketing-specialist\", \"client-care\", \"director\"",
            "error at studioRole: Must be one of \"admin\", \"manager\", \"sales\", \"marketing\", \"support\"",
        ])
    }

    @Test func languagesAndClientsAreListedOnce() {
        let advisor = CRMSamples.staff
            .edited("languages", to: ["fr", "en", "fr"])
            .edited("assignedCustomers", to: [
                ["_key": "a1", "_type": "reference", "_ref": "customer.amara-okafor"],
                ["_key": "a2", "_type": "reference", "_ref": "customer.amara-okafor"],
                ["_key": "a3", "name": "Mei-Lin Chen"],
            ])
        #expect(CRM.markers(advisor) == [
            "error at languages: Can't be a duplicate",
            "error at assignedCustomers[_key==\"a3\"]: Must be one of the array's member types (reference), found object",
            "error at assignedCustomers: Can't be a duplicate",
        ])
    }

    @Test func staffContactDetailsArePersonalData() {
        #expect(CRM.field("staff", "email")?.isPersonalData == true)
        #expect(CRM.field("staff", "phone")?.isPersonalData == true)
        #expect(CRM.field("staff", "studioRole")?.initialValue == "sales")
    }

    @Test func anInteractionNeedsClientChannelDirectionDateAndOutcome() {
        let contact = CRMSamples.interaction.without("customer", "channel", "direction", "date", "outcome")
        #expect(CRM.markers(contact) == [
            "error at customer: Required",
            "error at channel: Required",
            "error at direction: Required",
            "error at date: Required",
            "error at outcome: Required",
        ])
    }

    @Test func anInteractionKeepsToItsLists() {
        let contact = CRMSamples.interaction
            .edited("channel", to: "letter")
            .edited("direction", to: "both")
            .edited("purpose", to: "upsell")
            .edited("outcome", to: "maybe")
            .edited("sentiment", to: "ecstatic")
        #expect(CRM.markers(contact) == [
            "error at channel: Must be one of \"in-store\", \"phone\", \"email\", \"sms\", \"whatsapp\", \"video\", \"event\"",
            "error at direction: Must be one of \"inbound\", \"outbound\"",
            "error at purpose: Must be one of \"follow-up\", \"new-arrival\", \"occasion\", \"service\", \"event-invitation\", \"check-in\"",
            "error at outcome: Must be one of \"purchase\", \"appointment-booked\", \"interested\", \"no-response\", \"not-interested\", \"resolved\"",
            "error at sentiment: Must be one of \"positive\", \"neutral\", \"negative\"",
        ])
    }

    @Test func aContactLastsWholeMinutesUpToTenHours() {
        #expect(CRM.markers(CRMSamples.interaction.edited("durationMinutes", to: 600)) == [])
        #expect(CRM.markers(CRMSamples.interaction.edited("durationMinutes", to: 601)) == [
            "error at durationMinutes: Must be less than or equal to 600",
        ])
        #expect(CRM.markers(CRMSamples.interaction.edited("durationMinutes", to: 12.5)) == ["error at durationMinutes: Must be an integer"])
        #expect(CRM.markers(CRMSamples.interaction.edited("durationMinutes", to: -5)) == [
            "error at durationMinutes: Must be greater than or equal to 0",
        ])
    }

    @Test func anInteractionsDatesAndReferencesHaveTheirShape() {
        let contact = CRMSamples.interaction
            .edited("date", to: "2025-11-18")
            .edited("campaign", to: ["name": "Lumière Private Preview"])
            .edited("followUpDate", to: "2025-12-22T10:00:00Z")
        #expect(CRM.markers(contact) == [
            "error at date: Must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z, found \"2025-11-18\"",
            "error at campaign: Must be a reference ({\"_ref\": \"<id>\"}) to marketingCampaign, found object",
            "error at followUpDate: Must be a date as YYYY-MM-DD, found \"2025-12-22T10:00:00Z\"",
        ])
        #expect(CRM.field("interaction", "summary")?.isPersonalData == true)
    }
}
