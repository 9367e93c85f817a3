import FacetSchema
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("Sales orders", .ownThread(computing: true))
struct SalesOrderTests {
    @Test func anOrderNeedsItsNumberClientDateStatusChannelLinesAndMoney() {
        let order = CRMSamples.salesOrder.without(
            "orderNumber", "customer", "orderDate", "status", "channel", "lineItems", "subtotal", "discount", "tax", "total", "currency")
        #expect(CRM.markers(order) == [
            "error at orderNumber: Required",
            "error at customer: Required",
            "error at orderDate: Required",
            "error at status: Required",
            "error at channel: Required",
            "error at lineItems: Required",
            "error at subtotal: Required",
            "error at total: Required",
            "error at currency: Required",
        ])
    }

    @Test(arguments: ["SO-204518", "SO-000001", "SO-1000000"])
    func orderNumbersOfSOAndSixDigitsAreAccepted(_ number: String) {
        #expect(CRM.markers(CRMSamples.salesOrder.edited("orderNumber", to: .string(number))) == [])
    }

    @Test(arguments: ["SO-2045", "so-204518", "SO204518", "PO-204518", "SO-204518-A"])
    func otherOrderNumbersAreRefused(_ number: String) {
        #expect(CRM.markers(CRMSamples.salesOrder.edited("orderNumber", to: .string(number))) == [
            "error at orderNumber: Does not match the order number format",
        ])
    }

    @Test func anEmptyOrderIsRefusedTwice() {
        let order = CRMSamples.salesOrder.edited("lineItems", to: []).edited("subtotal", to: 0).without("discount", "tax")
            .edited("total", to: 0)
        #expect(CRM.markers(order) == ["error at lineItems: Required", "error at lineItems: Must have at least 1 items"])
    }

    @Test func theSubtotalIsTheSumOfTheLines() {
        let order = CRMSamples.salesOrder.edited("subtotal", to: 22000).edited("total", to: 22592.75)
        #expect(CRM.markers(order) == [
            "error at subtotal: Must equal the sum of the lines (quantity × unit price = 22801.00)",
        ])
    }

    @Test func theTotalIsSubtotalLessDiscountPlusTax() {
        #expect(CRM.markers(CRMSamples.salesOrder.edited("total", to: 22801)) == [
            "error at total: Must equal subtotal − discount + tax (23393.75)",
        ])
        // Without a discount and tax the total is the subtotal.
        let plain = CRMSamples.salesOrder.without("discount", "tax")
        #expect(CRM.markers(plain) == ["error at total: Must equal subtotal − discount + tax (22801.00)"])
        #expect(CRM.markers(plain.edited("total", to: 22801)) == [])
    }

    @Test func aWrongLineMakesTheSubtotalWrongToo() {
        let order = CRMSamples.salesOrder.edited("lineItems.1.quantity", to: 3)
        #expect(CRM.markers(order) == [
            "error at subtotal: Must equal the sum of the lines (quantity × unit price = 24951.50)",
        ])
    }

    @Test func linesAreWholeQuantitiesOfAProductAtAPriceToTheCent() {
        let order = CRMSamples.salesOrder
            .edited("lineItems.0.quantity", to: 0)
            .without("lineItems.0.product")
            .edited("lineItems.1.unitPrice", to: 2150.505)
            .edited("lineItems.1.quantity", to: 1.5)
        #expect(CRM.markers(order) == [
            "error at lineItems[_key==\"l1\"].product: Required",
            "error at lineItems[_key==\"l1\"].quantity: Must be greater than or equal to 1",
            "error at lineItems[_key==\"l2\"].quantity: Must be an integer",
            "error at lineItems[_key==\"l2\"].unitPrice: Max precision is 2",
            "error at subtotal: Must equal the sum of the lines (quantity × unit price = 3225.76)",
        ])
    }

    @Test func aLineOfAnotherKindIsRefused() {
        let order = CRMSamples.salesOrder.edited("lineItems.1", to: [
            "_key": "l2", "_type": "giftCard", "amount": 500,
        ])
        #expect(CRM.markers(order) == [
            "error at lineItems[_key==\"l2\"]: Must be one of the array's member types (lineItem), found _type \"giftCard\"",
            // The subtotal check leaves lines it cannot price to the line's own markers.
        ])
    }

    @Test func aDiscountOfTheWholeSubtotalIsAWarning() {
        let order = CRMSamples.salesOrder.edited("discount", to: 22801).edited("total", to: 1732.75)
        #expect(CRM.markers(order) == ["warning at discount: The discount is the whole subtotal or more"])
    }

    @Test func amountsAreNonNegativeAndToTheCent() {
        let order = CRMSamples.salesOrder.edited("discount", to: -10).edited("tax", to: 1732.755).edited("total", to: 24543.755)
        #expect(CRM.markers(order) == [
            "error at discount: Must be greater than or equal to 0",
            "error at tax: Max precision is 2",
            "error at total: Max precision is 2",
        ])
    }

    @Test(arguments: ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "3782 822463 10005", "ref 5500005555555559"])
    func aCardNumberIsNeverStoredAsThePaymentReference(_ reference: String) {
        #expect(CRM.markers(CRMSamples.salesOrder.edited("paymentReference", to: .string(reference))) == [
            "error at paymentReference: Looks like a card number: store the processor's reference, never the PAN",
        ])
    }

    @Test(arguments: ["pi_3QfX7b2eZvKYlo2C0m1aB9xT", "ch_1234567890", "WIRE 2025-11-22 BNP 884213", "FIN-AFFIRM-77310"])
    func processorReferencesAreAccepted(_ reference: String) {
        #expect(CRM.markers(CRMSamples.salesOrder.edited("paymentReference", to: .string(reference))) == [])
    }

    @Test func thePaymentReferenceIsSensitive() {
        #expect(CRM.field("salesOrder", "paymentReference")?.isSensitive == true)
    }

    @Test func listsReferencesAndDatesAreChecked() {
        let order = CRMSamples.salesOrder
            .edited("customer", to: ["_id": "liza.mei-lin-chen"])
            .edited("orderDate", to: "2025-11-22")
            .edited("status", to: "shipped")
            .edited("channel", to: "marketplace")
            .edited("staff", to: "Claire")
            .edited("currency", to: "eur")
            .edited("paymentMethod", to: "crypto")
            .edited("giftWrap", to: true)
        #expect(CRM.markers(order) == [
            "error at customer: Must be a reference ({\"_ref\": \"<id>\"}) to customer or lizaCustomer, found object",
            "error at orderDate: Must be an ISO 8601 date-time such as 2026-01-31T09:30:00Z, found \"2025-11-22\"",
            "error at status: Must be one of \"pending\", \"confirmed\", \"fulfilled\", \"delivered\", \"cancelled\", \"returned\"",
            "error at channel: Must be one of \"boutique\", \"online\", \"phone\", \"private-appointment\", \"event\"",
            "error at staff: Must be a reference ({\"_ref\": \"<id>\"}) to staff, found string",
            "error at currency: Must be one of \"USD\", \"EUR\", \"GBP\", \"CHF\", \"JPY\", \"AED\", \"HKD\", \"SGD\"",
            "error at paymentMethod: Must be one of \"card\", \"bank-transfer\", \"cash\", \"financing\"",
            "warning at giftWrap: Not declared in the schema of salesOrder",
        ])
    }
}
