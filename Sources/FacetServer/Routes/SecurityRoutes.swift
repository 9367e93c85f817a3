import Hummingbird

extension FacetAPI {
    /// `/v1/security/events` and the audit log, for admins.
    func addSecurityRoutes(to router: RouterGroup<FacetRequestContext>) {}
}
