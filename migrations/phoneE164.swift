import FacetMigration
import GROQ

/// Every `phone` field, wherever it is (customers, LIZA members, staff, and any object nested in
/// them), rewritten in E.164 (`+33142600000`), so that dialling, SMS gateways and duplicate
/// detection compare like with like.
///
/// Sensitive phone fields are opened by the store before the handler sees them and sealed again
/// when the change is written. A number written without an international prefix is read in the
/// country of the document's address, else in ``PhoneNumber/defaultCountry``. Values that cannot
/// be read as a number are left as they are for an editor (`facet schema check` shows them).
public let phoneE164 = Migration(
    id: "phone-e164",
    title: "Normalise phone numbers to E.164",
    documentTypes: ["customer", "lizaCustomer", "staff"],
    fixes: [ValidationFix(documentType: "customer", field: "phone"), ValidationFix(documentType: "lizaCustomer", field: "phone"),
            ValidationFix(documentType: "staff", field: "phone")],
    nodes: NodeHandlers(string: { node, _ in
        guard case .field("phone")? = node.path.segments.last, let text = node.value.stringValue else { return [] }
        let country = node.document["address"]?["country"]?.stringValue ?? PhoneNumber.defaultCountry
        guard let normalised = PhoneNumber.e164(text, country: country), normalised != text else { return [] }
        return [node.set(.string(normalised))]
    })
)
