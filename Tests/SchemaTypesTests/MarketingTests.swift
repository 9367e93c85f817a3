import FacetSchema
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("Marketing campaigns and creative expressions", .ownThread(computing: true))
struct MarketingTests {
    @Test func aCampaignNeedsNameChannelStatusAndStartDate() {
        let campaign = CRMSamples.campaign.without("name", "channel", "status", "startDate")
        #expect(CRM.markers(campaign) == [
            "error at name: Required",
            "error at channel: Required",
            "error at status: Required",
            "error at startDate: Required",
        ])
    }

    @Test func aCampaignCannotEndBeforeItStarts() {
        #expect(CRM.markers(CRMSamples.campaign.edited("endDate", to: "2025-09-01")) == [
            "error at endDate: Must not be before startDate (2025-09-10)",
        ])
        // A one-day event starts and ends on the same day.
        #expect(CRM.markers(CRMSamples.campaign.edited("endDate", to: "2025-09-10")) == [])
    }

    @Test func audiencesComeFromTheSegmentAndTierLists() {
        let campaign = CRMSamples.campaign
            .edited("channel", to: "tiktok")
            .edited("status", to: "paused")
            .edited("targetSegments", to: ["vip", "whales", "vip"])
            .edited("targetTiers", to: ["gold"])
        #expect(CRM.markers(campaign) == [
            "error at channel: Must be one of \"email\", \"sms\", \"social\", \"event\", \"direct-mail\", \"in-store\"",
            "error at status: Must be one of \"draft\", \"scheduled\", \"active\", \"completed\", \"cancelled\"",
            "error at targetSegments[1]: Must be one of \"new\", \"occasional\", \"regular\", \"loyal\", \"vip\"",
            "error at targetSegments: Can't be a duplicate",
            "error at targetTiers[0]: Must be one of \"liza-select\", \"gold-preferred\", \"platinum-premier\"",
        ])
    }

    @Test func theSamePieceFeaturedTwiceIsADuplicateWhateverItsKey() {
        let campaign = CRMSamples.campaign.edited("featuredProducts", to: [
            ["_key": "f1", "_type": "reference", "_ref": "product.rg-10042"],
            ["_key": "f2", "_type": "reference", "_ref": "product.rg-10042"],
        ])
        #expect(CRM.markers(campaign) == ["error at featuredProducts: Can't be a duplicate"])
    }

    @Test func budgetAndResultsAreCountsAndMoney() {
        let campaign = CRMSamples.campaign
            .edited("budget", to: -500)
            .edited("results.opened", to: 140.5)
            .edited("results.converted", to: -1)
            .edited("results.revenue", to: 412750.125)
            .edited("results.clicks", to: 98)
        #expect(CRM.markers(campaign) == [
            "error at budget: Must be greater than or equal to 0",
            "error at results.opened: Must be an integer",
            "error at results.converted: Must be greater than or equal to 0",
            "error at results.revenue: Max precision is 2",
            "warning at results.clicks: Not declared in the schema of marketingCampaign",
        ])
    }

    @Test func aCreativeProfileBelongsToAClient() {
        let profile = CRMSamples.creativeExpression.without("title", "customer")
        #expect(CRM.markers(profile) == ["error at title: Required", "error at customer: Required"])
        let product = CRMSamples.creativeExpression.edited("customer", to: "liza.mei-lin-chen")
        #expect(CRM.markers(product) == [
            "error at customer: Must be a reference ({\"_ref\": \"<id>\"}) to customer or lizaCustomer, found string",
        ])
    }

    @Test func theMusicalProfileNeedsAtLeastOneGenreFromTheBrief() {
        let profile = CRMSamples.creativeExpression
            .edited("musicalProfile.musicalPreferences", to: [])
            .edited("musicalProfile.emotionalTones", to: ["melancholic"])
        #expect(CRM.markers(profile) == [
            "error at musicalProfile.musicalPreferences: Required",
            "error at musicalProfile.emotionalTones[0]: Must be one of \"energetic\", \"serene\", \"romantic\", \"powerful\", \"joyful\", \"reflective\"",
        ])
        let rock = CRMSamples.creativeExpression.edited("musicalProfile.musicalPreferences", to: ["classical", "rock"])
        #expect(CRM.markers(rock) == [
            "error at musicalProfile.musicalPreferences[1]: Must be one of \"classical\", \"jazz\", \"world-fusion\", \"ambient\", \"acoustic\"",
        ])
    }

    @Test func theVisualAndExperientialProfilesKeepToTheirLists() {
        let profile = CRMSamples.creativeExpression
            .edited("visualProfile.colorPalettes", to: ["neon"])
            .edited("visualProfile.lightingMoods", to: ["warm", "warm"])
            .edited("visualProfile.designAesthetics", to: ["baroque"])
            .edited("experientialProfile.experienceTypes", to: ["metaverse"])
            .edited("experientialProfile.sensoryEngagement", to: ["taste"])
            .edited("experientialProfile.timeframePreference", to: "weekend")
            .edited("experientialProfile.socialContext", to: ["crowd"])
        #expect(CRM.markers(profile) == [
            "error at visualProfile.colorPalettes[0]: Must be one of \"precious-metals\", \"jewel-tones\", \"pastels\", \"earth-tones\", \"monochromatic\", \"high-contrast\"",
            "error at visualProfile.lightingMoods: Can't be a duplicate",
            "error at visualProfile.designAesthetics[0]: Must be one of \"modern\", \"vintage\", \"bohemian\", \"art-deco\", \"organic\", \"futuristic\"",
            "error at experientialProfile.experienceTypes[0]: Must be one of \"vr-showroom\", \"private-consultation\", \"installation\", \"workshop\", \"storytelling\", \"co-creation\"",
            "error at experientialProfile.sensoryEngagement[0]: Must be one of \"touch-texture\", \"spatial-flow\", \"scent\"",
            "error at experientialProfile.timeframePreference: Must be one of \"brief\", \"standard\", \"extended\", \"multi-session\"",
            "error at experientialProfile.socialContext[0]: Must be one of \"solo\", \"partner\", \"family\", \"group\"",
        ])
    }

    @Test func moreThanThreeCreativeThemesIsAWarning() {
        let three = CRMSamples.creativeExpression.edited("synestheticBridge.creativeThemes", to: ["heritage", "love", "nature"])
        #expect(CRM.markers(three) == [])
        let four = CRMSamples.creativeExpression.edited("synestheticBridge.creativeThemes", to: ["heritage", "love", "nature", "power"])
        #expect(CRM.markers(four) == ["warning at synestheticBridge.creativeThemes: Pick at most three themes for a clear story"])
        let unknown = CRMSamples.creativeExpression.edited("synestheticBridge.creativeThemes", to: ["destiny"])
        #expect(CRM.markers(unknown) == [
            "error at synestheticBridge.creativeThemes[0]: Must be one of \"journey\", \"love\", \"power\", \"artistry\", \"heritage\", \"nature\"",
        ])
    }

    @Test func aProfileDimensionMustBeAnObject() {
        let profile = CRMSamples.creativeExpression.edited("musicalProfile", to: "jazz").edited("capturedAt", to: "last Tuesday")
        #expect(CRM.markers(profile) == [
            "error at musicalProfile: Must be an object, found string",
            "error at capturedAt: Must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z, found \"last Tuesday\"",
        ])
    }
}
