import Hummingbird

extension FacetAPI {
    /// `/v1/auth/login`, `/refresh`, `/logout`, `/me`.
    func addAuthRoutes(to router: RouterGroup<FacetRequestContext>) {}
}
