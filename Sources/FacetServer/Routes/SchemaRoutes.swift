import GROQ
import Hummingbird

/// `GET /v1/schema` and `GET /v1/structure`: the content model and the desk, as the studio reads them.
extension FacetAPI {
    func addSchemaRoutes(to version: RouterGroup<FacetRequestContext>) {
        let reads = group(version, "", .read)
        reads.get("schema") { _, _ in
            guard let schema else { throw APIError.notFound("This server checks no schema") }
            return JSONBody.response(schema.json)
        }
        reads.get("structure") { _, _ in
            guard let structure else { throw APIError.notFound("This server has no desk structure") }
            return JSONBody.response(structure)
        }
    }
}
