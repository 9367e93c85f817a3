import FacetSchema
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("Customers and LIZA VIPs", .ownThread(computing: true))
struct CustomerTests {
    static let customerFields = [
        "name", "email", "phone", "address", "birthday", "segment", "lifetimeValue", "energyAlignment", "assignedStaff", "customerSince",
        "preferredChannel", "notes", "culturalHeritage", "culturalValues", "communicationStyle", "decisionMakingApproach",
        "jewelryCulturalSignificance", "positiveEnergyAlignment", "preferredLanguage", "consent",
    ]

    @Test func aClientWithoutNameOrUsableContactDetailsIsRefusedFieldByField() {
        let client = CRMSamples.customer
            .without("name")
            .edited("email", to: "amara.okafor-at-example.com")
            .edited("phone", to: "020 7946 0958")
            .edited("address", to: ["street": "14 Cheyne Walk", "country": "United Kingdom"])
            .edited("birthday", to: "12/06/1984")
        #expect(CRM.markers(client) == [
            "error at name: Required",
            "error at email: Must be a valid email address",
            "error at phone: Does not match the international phone number",
            "error at address.city: Required",
            "error at address.country: Does not match the two-letter country code",
            "error at birthday: Must be a date as YYYY-MM-DD, found \"12/06/1984\"",
        ])
    }

    @Test func theRelationshipFieldsKeepToTheirListsAndBounds() {
        let client = CRMSamples.customer
            .edited("name", to: "A")
            .edited("segment", to: "platinum")
            .edited("lifetimeValue", to: -120.555)
            .edited("energyAlignment", to: "radiant")
            .edited("assignedStaff", to: "staff.claire-dubois")
            .edited("preferredChannel", to: "telegram")
        #expect(CRM.markers(client) == [
            "error at name: Must be at least 2 characters long",
            "error at segment: Must be one of \"new\", \"occasional\", \"regular\", \"loyal\", \"vip\"",
            "error at lifetimeValue: Must be greater than or equal to 0",
            "error at lifetimeValue: Max precision is 2",
            "error at energyAlignment: Must be one of \"exceptional\", \"strong\", \"moderate\", \"developing\"",
            "error at assignedStaff: Must be a reference ({\"_ref\": \"<id>\"}) to staff, found string",
            "error at preferredChannel: Must be one of \"in-store\", \"phone\", \"email\", \"sms\", \"whatsapp\", \"video\", \"event\"",
        ])
    }

    @Test func aSegmentIsRequired() {
        #expect(CRM.markers(CRMSamples.customer.without("segment")) == ["error at segment: Required"])
    }

    @Test func theCulturalProfileIsChecked() {
        let client = CRMSamples.customer
            .edited("culturalHeritage", to: ["Igbo", "Igbo"])
            .edited("culturalValues", to: ["family-legacy", "harmony", "innovation", "excellence", "wealth"])
            .edited("communicationStyle", to: "direct")
            .edited("decisionMakingApproach", to: "committee")
            .edited("positiveEnergyAlignment", to: ["love", "love"])
            .edited("preferredLanguage", to: "English")
        #expect(CRM.markers(client) == [
            "error at culturalHeritage: Can't be a duplicate",
            "error at culturalValues[4]: Must be one of \"family-legacy\", \"harmony\", \"innovation\", \"excellence\", \"craftsmanship\", \"spirituality\", \"sustainability\", \"celebration\"",
            "warning at culturalValues: More than four core values dilutes the profile",
            "error at communicationStyle: Must be one of \"direct-formal\", \"direct-casual\", \"indirect-formal\", \"indirect-casual\"",
            "error at decisionMakingApproach: Must be one of \"individual\", \"family-consensus\", \"advisor-network\"",
            "error at positiveEnergyAlignment: Can't be a duplicate",
            "error at preferredLanguage: Does not match the language tag",
        ])
    }

    @Test func fourCoreValuesAreFineAndTheSameValueTwiceIsNot() {
        let four = CRMSamples.customer.edited("culturalValues", to: ["family-legacy", "harmony", "innovation", "excellence"])
        #expect(CRM.markers(four) == [])
        let twice = CRMSamples.customer.edited("culturalValues", to: ["harmony", "harmony"])
        #expect(CRM.markers(twice) == ["error at culturalValues: Can't be a duplicate"])
    }

    @Test(arguments: ["+33 1 42 60 00 00", "+44 20 7946 0958", "+852 2523 8841", "+1 212-555-0142", "+971 4 123 4567", "+41446681800"])
    func internationalPhoneNumbersAreAccepted(_ phone: String) {
        #expect(CRM.markers(CRMSamples.customer.edited("phone", to: .string(phone))) == [])
    }

    @Test(arguments: ["01 42 60 00 00", "0033 1 42 60 00 00", "+33 (0)1 42 60 00 00", "+1 23 45", "+44 20 7946 0958 ext 12", "after 6pm"])
    func phoneNumbersWithoutACountryCodeOrWithTextAreRefused(_ phone: String) {
        #expect(CRM.markers(CRMSamples.customer.edited("phone", to: .string(phone))) == [
            "error at phone: Does not match the international phone number",
        ])
    }

    @Test(arguments: ["en", "fr-CA", "zh-Hant", "zh-Hant-HK", "es-419", "yue"])
    func bcp47LanguageTagsAreAccepted(_ tag: String) {
        #expect(CRM.markers(CRMSamples.customer.edited("preferredLanguage", to: .string(tag))) == [])
    }

    @Test(arguments: ["EN", "english", "fr_CA", "fr-ca", "zh-hant"])
    func otherLanguageSpellingsAreRefused(_ tag: String) {
        #expect(CRM.markers(CRMSamples.customer.edited("preferredLanguage", to: .string(tag))) == [
            "error at preferredLanguage: Does not match the language tag",
        ])
    }

    @Test(arguments: ["GB", "FR", "HK"])
    func twoLetterCountryCodesAreAccepted(_ country: String) {
        #expect(CRM.markers(CRMSamples.customer.edited("address.country", to: .string(country))) == [])
    }

    @Test(arguments: ["gb", "GBR", "UK "])
    func otherCountrySpellingsAreRefused(_ country: String) {
        #expect(CRM.markers(CRMSamples.customer.edited("address.country", to: .string(country))) == [
            "error at address.country: Does not match the two-letter country code",
        ])
    }

    @Test func consentFlagsAreBooleansAndTheirDateADateTime() {
        let client = CRMSamples.customer
            .edited("consent.emailMarketing", to: "yes")
            .edited("consent.updatedAt", to: "2025-03-14")
        #expect(CRM.markers(client) == [
            "error at consent.emailMarketing: Must be true or false, found string",
            "error at consent.updatedAt: Must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z, found \"2025-03-14\"",
        ])
    }

    @Test func undeclaredFieldsAreWarningsWhereverTheyAre() {
        let client = CRMSamples.customer
            .edited("favouriteStone", to: "emerald")
            .edited("address.county", to: "Greater London")
            .edited("tier", to: "gold-preferred")
        #expect(CRM.markers(client) == [
            "warning at address.county: Not declared in the schema of customer",
            "warning at favouriteStone: Not declared in the schema of customer",
            "warning at tier: Not declared in the schema of customer",
        ])
    }

    @Test(arguments: ["customer", "lizaCustomer"])
    func contactDetailsAreSensitiveAndPersonal(_ type: String) throws {
        for name in ["email", "phone", "address", "birthday"] {
            let field = try #require(CRM.field(type, name))
            #expect(field.isSensitive && field.isPersonalData, "\(type).\(name)")
        }
        let name = try #require(CRM.field(type, "name"))
        #expect(name.isPersonalData && !name.isSensitive)
        #expect(CRM.field(type, "notes")?.isPersonalData == true)
        #expect(CRM.field(type, "culturalHeritage")?.isPersonalData == true)
        #expect(CRM.field(type, "consent")?.isPersonalData == true)
        #expect(CRM.field(type, "segment")?.isSensitive == false)
    }

    @Test func theCustomerHasTheSevenCulturalFields() throws {
        let customer = try #require(CRM.schema.type(named: "customer"))
        #expect(customer.fields.map(\.name) == Self.customerFields)
        #expect(customer.fields.filter { $0.groups.contains("cultural") }.map(\.name) == [
            "culturalHeritage", "culturalValues", "communicationStyle", "decisionMakingApproach", "jewelryCulturalSignificance",
            "positiveEnergyAlignment", "preferredLanguage",
        ])
    }

    @Test func aLizaVIPIsACustomerWithTierMembershipAndNineCulturalFields() throws {
        let customer = try #require(CRM.schema.type(named: "customer"))
        let liza = try #require(CRM.schema.type(named: "lizaCustomer"))
        for field in customer.fields {
            #expect(liza.field(field.name) == field, "lizaCustomer.\(field.name) differs from customer.\(field.name)")
        }
        let added = liza.fields.map(\.name).filter { customer.field($0) == nil }
        #expect(added == ["tier", "memberSince", "tierReviewDate", "culturalInvestmentPhilosophy", "preferredCulturalExperiences"])
        #expect(liza.fields.filter { $0.groups.contains("cultural") }.map(\.name) == [
            "culturalHeritage", "culturalValues", "communicationStyle", "decisionMakingApproach", "jewelryCulturalSignificance",
            "positiveEnergyAlignment", "preferredLanguage", "culturalInvestmentPhilosophy", "preferredCulturalExperiences",
        ])
        #expect(liza.field("tier")?.rules == [.required()])
        #expect(liza.field("memberSince")?.rules == [.required()])
    }

    @Test func aLizaVIPNeedsATierFromTheProgrammeAndAMembershipDate() {
        let vip = CRMSamples.lizaCustomer.without("tier", "memberSince")
        #expect(CRM.markers(vip) == ["error at tier: Required", "error at memberSince: Required"])
        let diamond = CRMSamples.lizaCustomer.edited("tier", to: "diamond").edited("memberSince", to: "January 2016")
        #expect(CRM.markers(diamond) == [
            "error at tier: Must be one of \"liza-select\", \"gold-preferred\", \"platinum-premier\"",
            "error at memberSince: Must be a date as YYYY-MM-DD, found \"January 2016\"",
        ])
    }

    @Test func theLizaCulturalFieldsKeepToTheirLists() {
        let vip = CRMSamples.lizaCustomer
            .edited("culturalInvestmentPhilosophy", to: "speculation")
            .edited("preferredCulturalExperiences", to: ["atelier-visit", "yacht-party", "atelier-visit"])
        #expect(CRM.markers(vip) == [
            "error at culturalInvestmentPhilosophy: Must be one of \"heirloom-legacy\", \"investment-value\", \"artistic-patronage\", \"spiritual-significance\", \"ethical-sourcing\"",
            "error at preferredCulturalExperiences[1]: Must be one of \"private-viewing\", \"atelier-visit\", \"cultural-ceremony\", \"heritage-journey\", \"gallery-evening\", \"music-performance\"",
            "error at preferredCulturalExperiences: Can't be a duplicate",
        ])
    }

    @Test func aLizaVIPHasEverythingACustomerIsCheckedFor() {
        let vip = CRMSamples.lizaCustomer.edited("email", to: "mei-lin").edited("culturalValues", to: ["luck"])
        #expect(CRM.markers(vip) == [
            "error at email: Must be a valid email address",
            "error at culturalValues[0]: Must be one of \"family-legacy\", \"harmony\", \"innovation\", \"excellence\", \"craftsmanship\", \"spirituality\", \"sustainability\", \"celebration\"",
        ])
    }

    @Test func newClientsStartAsNewWithNoSpendInEnglish() {
        #expect(CRM.field("customer", "segment")?.initialValue == "new")
        #expect(CRM.field("customer", "lifetimeValue")?.initialValue == 0)
        #expect(CRM.field("customer", "preferredLanguage")?.initialValue == "en")
        #expect(CRM.field("lizaCustomer", "tier")?.initialValue == "liza-select")
    }
}
