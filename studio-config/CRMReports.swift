import FacetSchema

/// The CRM's studio reports: screens computed for the signed-in user, beside the desk.
///
/// ```swift
/// let api = FacetAPI(store: store, schema: schema, actions: CRMActions.all, reports: CRMReports.all)
/// // GET /v1/clienteling/worklist
/// ```
public enum CRMReports {
    /// Every report, in the order the studio's header lists them.
    public static let all: [StudioReport] = [WorklistReport.report]
}
