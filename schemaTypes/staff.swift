import FacetSchema
import GROQ

/// A member of staff: their job, the role they hold in the studio, and the clients they look after.
let staff = SchemaType.document("staff", title: "Staff") {
    Field("name", .string()).rules(.required(), .max(120)).personalData()
    Field("email", .email).rules(.required(), .email(), .unique()).personalData().fieldset("contact")
    Field("phone", .string()).rules(.regex(Vocabulary.phonePattern, name: "international phone number")).personalData().fieldset("contact")
    Field("jobTitle", .string(options: [
        ListOption("client-advisor", title: "Client advisor"),
        ListOption("senior-client-advisor", title: "Senior client advisor"),
        ListOption("boutique-manager", title: "Boutique manager"),
        ListOption("marketing-specialist", title: "Marketing specialist"),
        ListOption("client-care", title: "Client care"),
        ListOption("director", title: "Director"),
    ])).rules(.required())
    Field("studioRole", .string(options: Vocabulary.studioRoles, layout: .radio),
          description: "Which of the studio's five roles this person holds").rules(.required()).initialValue("sales")
    Field("boutique", .string(options: Vocabulary.boutiques), description: "Where they work").fieldset("employment")
    Field("languages", .array(of: .string)).rules(.uniqueItems()).fieldset("employment")
    Field("hireDate", .date).fieldset("employment")
    Field("isActive", .boolean, title: "Active").initialValue(true)
    Field("assignedCustomers", .array(of: .reference(to: ["customer", "lizaCustomer"]))).rules(.uniqueItems())
}
.fieldsets(.init("contact", title: "Contact details"), .init("employment", title: "Employment", collapsed: true))
.preview(select: ["title": "name", "subtitle": "jobTitle"])
.searchable("name", "email")
.distinguishedBy("boutique", "email")
.orderings(.init("nameAsc", title: "Name", by: [.init("name")]))
