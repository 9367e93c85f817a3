import FacetSchema
import FacetStore
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("The CRM in a store", .ownThread(computing: true))
struct CRMStoreTests {
    /// Stores every sample in one transaction.
    static func seed(_ dataset: Dataset) throws {
        try dataset.mutate(CRMSamples.all.map(CRM.create))
    }

    @Test func theWholeClientBookIsStoredAndItsReferencesResolve() throws {
        try CRM.withStore { dataset in
            try Self.seed(dataset)
            let order = try dataset.query(#"""
                *[_type == "salesOrder"][0]{orderNumber, "client": customer->name, "advisor": staff->name,
                  "pieces": lineItems[].product->name, "collection": lineItems[0].product->collection->title}
                """#)
            #expect(order == [
                "orderNumber": "SO-204518", "client": "Mei-Lin Chen", "advisor": "Claire Dubois",
                "pieces": ["Lumière Solitaire Ring", "Lumière Drop Earrings"], "collection": "Lumière",
            ])
            let advisor = try dataset.query(#"*[_id == "staff.claire-dubois"][0]{"clients": assignedCustomers[]->name}"#)
            #expect(advisor == ["clients": ["Amara Okafor", "Mei-Lin Chen"]])
            let ordersOfMeiLin = try dataset.query(#"*[_type == "salesOrder" && references("liza.mei-lin-chen")].orderNumber"#)
            #expect(ordersOfMeiLin == ["SO-204518"])
        }
    }

    @Test func aSecondClientWithTheSameEmailIsRefused() throws {
        try CRM.withStore { dataset in
            try Self.seed(dataset)
            let twin = CRMSamples.customer.edited("_id", to: "customer.amara-okafor-2").edited("name", to: "A. Okafor")
            let refused = CRM.refusal { try dataset.mutate([CRM.create(twin)]) }
            #expect(refused?.type == "validationError")
            #expect(refused?.message == "Document \"customer.amara-okafor-2\" has 1 validation error: email: Must be unique: another customer has this value")
            #expect(dataset.document(id: "customer.amara-okafor-2") == nil)
            try dataset.mutate([CRM.create(twin.edited("email", to: "a.okafor@example.co.uk"))])
            #expect(dataset.document(id: "customer.amara-okafor-2")?["email"] == "a.okafor@example.co.uk")
        }
    }

    @Test func aClientsOwnDraftDoesNotClashWithItsPublishedVersion() throws {
        try CRM.withStore { dataset in
            try Self.seed(dataset)
            let draft = CRMSamples.customer.edited("_id", to: "drafts.customer.amara-okafor").edited("segment", to: "vip")
            try dataset.mutate([CRM.create(draft)])
            try dataset.publish(id: "customer.amara-okafor")
            #expect(dataset.document(id: "customer.amara-okafor")?["segment"] == "vip")
            #expect(dataset.document(id: "drafts.customer.amara-okafor") == nil)
        }
    }

    @Test func orderNumbersAndSkusAreUniqueToo() throws {
        try CRM.withStore { dataset in
            try Self.seed(dataset)
            let copy = CRMSamples.salesOrder.edited("_id", to: "salesOrder.so-204519")
            #expect(CRM.refusal { try dataset.mutate([CRM.create(copy)]) }?.message
                == "Document \"salesOrder.so-204519\" has 1 validation error: orderNumber: Must be unique: another salesOrder has this value")
            let piece = CRMSamples.ring.edited("_id", to: "product.rg-10043").edited("name", to: "Lumière Solitaire Ring, 2 ct")
            #expect(CRM.refusal { try dataset.mutate([CRM.create(piece)]) }?.message
                == "Document \"product.rg-10043\" has 1 validation error: sku: Must be unique: another product has this value")
        }
    }

    @Test func aDraftWithErrorsIsKeptButCannotBePublished() throws {
        try CRM.withStore { dataset in
            try Self.seed(dataset)
            let halfTyped: JSONValue = [
                "_id": "drafts.customer.sofia-marchetti", "_type": "customer",
                "name": "Sofia Marchetti", "email": "sofia.marchetti@", "segment": "new", "phone": "+39 02 76",
            ]
            try dataset.mutate([CRM.create(halfTyped)])
            #expect(dataset.document(id: "drafts.customer.sofia-marchetti")?["name"] == "Sofia Marchetti")
            let refused = CRM.refusal { try dataset.publish(id: "customer.sofia-marchetti") }
            #expect(refused?.type == "validationError")
            #expect(refused?.message == "Document \"customer.sofia-marchetti\" has 2 validation errors: email: Must be a valid email address; phone: Does not match the international phone number")
            #expect(dataset.document(id: "customer.sofia-marchetti") == nil)
            #expect(dataset.document(id: "drafts.customer.sofia-marchetti") != nil)
            try dataset.mutate(Mutation.list(parsing: #"""
                [{"patch": {"id": "drafts.customer.sofia-marchetti",
                            "set": {"email": "sofia.marchetti@example.it", "phone": "+39 02 7600 4521"}}}]
                """#))
            try dataset.publish(id: "customer.sofia-marchetti")
            #expect(dataset.document(id: "customer.sofia-marchetti")?["email"] == "sofia.marchetti@example.it")
        }
    }

    @Test func warningsDoNotStopAPublishedWrite() throws {
        try CRM.withStore { dataset in
            try Self.seed(dataset)
            let vip = CRMSamples.lizaCustomer
                .edited("culturalValues", to: ["family-legacy", "harmony", "craftsmanship", "excellence", "spirituality"])
                .edited("favouriteStone", to: "jade")
            try dataset.mutate([CRM.createOrReplace(vip)])
            #expect(dataset.document(id: "liza.mei-lin-chen")?["favouriteStone"] == "jade")
        }
    }

    @Test func anOrderForAPieceThatDoesNotExistIsRefused() throws {
        try CRM.withStore { dataset in
            try Self.seed(dataset)
            let order = CRMSamples.salesOrder
                .edited("_id", to: "salesOrder.so-204519").edited("orderNumber", to: "SO-204519")
                .edited("lineItems.1.product._ref", to: "product.nk-99999")
            let refused = CRM.refusal { try dataset.mutate([CRM.create(order)]) }
            #expect(refused?.type == "documentReferenceDoesNotExistError")
            #expect(refused?.message == "Document \"salesOrder.so-204519\" references non-existent document \"product.nk-99999\"")
            #expect(dataset.document(id: "salesOrder.so-204519") == nil)
        }
    }

    @Test func anOrderForAClientWhoDoesNotExistIsRefused() throws {
        try CRM.withStore { dataset in
            try Self.seed(dataset)
            let order = CRMSamples.salesOrder
                .edited("_id", to: "salesOrder.so-204520").edited("orderNumber", to: "SO-204520")
                .edited("customer._ref", to: "customer.unknown")
            #expect(CRM.refusal { try dataset.mutate([CRM.create(order)]) }?.message
                == "Document \"salesOrder.so-204520\" references non-existent document \"customer.unknown\"")
        }
    }

    @Test func aPieceOnAnOrderCannotBeDeleted() throws {
        try CRM.withStore { dataset in
            try Self.seed(dataset)
            let refused = CRM.refusal { try dataset.mutate([.delete(.ids(["product.er-2207"]))]) }
            #expect(refused?.type == "documentHasExistingReferencesError")
            #expect(refused?.message == "Document \"product.er-2207\" cannot be deleted as there are references to it from \"salesOrder.so-204518\"")
        }
    }

    @Test func aModelRunOutlivesTheClientItWasFor() throws {
        try CRM.withStore { dataset in
            let client: JSONValue = [
                "_id": "customer.lars-eriksen", "_type": "customer", "name": "Lars Eriksen", "email": "lars.eriksen@example.se", "segment": "occasional",
            ]
            let run = CRMSamples.churnModel.edited("_id", to: "model.churn.lars-eriksen").edited("customer._ref", to: "customer.lars-eriksen")
            try dataset.mutate([CRM.create(client), CRM.create(run)])
            try dataset.mutate([.delete(.ids(["customer.lars-eriksen"]))])
            #expect(dataset.document(id: "model.churn.lars-eriksen")?["customer"]?["_ref"] == "customer.lars-eriksen")
        }
    }

    @Test func aDocumentOfATypeTheCRMDoesNotDeclareIsRefused() throws {
        try CRM.withStore { dataset in
            let refused = CRM.refusal { try dataset.mutate([.create(["_id": "drafts.invoice.1", "_type": "invoice", "total": 100])]) }
            #expect(refused?.message == "Document \"drafts.invoice.1\": Unknown document type \"invoice\"; the schema declares customer, lizaCustomer, product, collection, salesOrder, marketingCampaign, staff, interaction, creativeExpression, analyticsModel, trendAnalysis, analyticsDashboard, auditLog")
        }
    }
}
