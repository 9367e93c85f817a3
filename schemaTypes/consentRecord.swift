import FacetSchema

/// What a client has agreed to, and when: outreach may use only the channels consented to, and
/// a GDPR export gathers the record.
let consentRecord = SchemaType.object("consentRecord", title: "Consent") {
    Field("emailMarketing", .boolean).initialValue(false)
    Field("smsMarketing", .boolean, title: "SMS Marketing").initialValue(false)
    Field("phoneContact", .boolean).initialValue(false)
    Field("profiling", .boolean, description: "Cultural, creative and predictive profiling of this client").initialValue(false)
    Field("updatedAt", .datetime, title: "Last Updated")
}
