/// The `geo::` namespace and `geo()`.
enum GeoFunctions {
    static let all: [GROQFunction] = []
}
