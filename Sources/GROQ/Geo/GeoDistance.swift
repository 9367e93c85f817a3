import Foundation

extension Geometry {
    /// The Earth's radius for `geo::distance`, in metres: the WGS 84 equatorial radius.
    ///
    /// The conformance suite expects Oslo–Stockholm to be exactly 416760.7738822515 m, which is
    /// the haversine distance on a sphere of this radius, not of the mean radius (6371 km).
    static let earthRadius = 6_378_137.0

    /// The great-circle distance in metres between two points — `geo::distance(a, b)` — or
    /// `nil` (GROQ's null) unless both geometries are single points.
    ///
    /// Uses the haversine formula, in the operation order that reproduces the suite's expected
    /// values to the last bit (radians as `degrees * π / 180`, differences taken in degrees).
    public static func distance(_ a: Geometry, _ b: Geometry) -> Double? {
        guard case .point(let p) = a.shape, case .point(let q) = b.shape else { return nil }
        func radians(_ degrees: Double) -> Double { degrees * .pi / 180.0 }
        let halfLat = sin(radians(p.lat - q.lat) / 2)
        let halfLng = sin(radians(p.lng - q.lng) / 2)
        let h = halfLat * halfLat + cos(radians(q.lat)) * cos(radians(p.lat)) * halfLng * halfLng
        return 2.0 * earthRadius * atan2(sqrt(h), sqrt(1 - h))
    }

    /// The point `geo::latLng(lat, lng)` makes, as GeoJSON — `{"type": "Point", "coordinates":
    /// [lng, lat]}` — or null unless both are numbers in range (latitude −90…90, longitude
    /// −180…180).
    public static func latLng(_ lat: JSONValue, _ lng: JSONValue) -> JSONValue {
        guard case .number(let latitude) = lat, case .number(let longitude) = lng,
            let point = Geometry(json: ["lat": .number(latitude), "lng": .number(longitude)])
        else { return .null }
        return point.geoJSON
    }
}
