/// A geographic shape, as GROQ's geo functions see it: the value of `geo(...)`.
///
/// GROQ accepts two spellings of a location: a Sanity geopoint-like object
/// `{"lat": …, "lng": …}` (or `"lon"`), and a GeoJSON geometry object (`Point`, `MultiPoint`,
/// `LineString`, `MultiLineString`, `Polygon`, `MultiPolygon`, `GeometryCollection`).
/// `Geometry(json:)` reads either and rejects everything else, so one `nil` check gives the
/// evaluator GROQ's "null for anything that is not a geometry" rule for every geo function.
///
/// ```swift
/// let zone = Geometry(json: document["deliveryZone"] ?? .null)
/// let here = Geometry(json: ["lat": 59.913889, "lng": 10.752222])
/// if let zone, let here { zone.contains(here) }          // geo::contains(zone, here)
/// Geometry.distance(here!, here!)                         // 0.0 (metres)
/// here!.geoJSON   // {"type": "Point", "coordinates": [10.752222, 59.913889]}
/// ```
///
/// The predicates use spherical geometry: edges are great-circle arcs and shapes are closed
/// point sets on the sphere (boundaries included). See `contains(_:)` and `intersects(_:)`.
public struct Geometry: Sendable {
    /// The shape as read, in GeoJSON terms; what `geoJSON` writes back.
    let shape: Shape
    /// The same shape on the unit sphere, validated and indexed for the predicates.
    let model: SphericalShape

    /// The kinds of GeoJSON geometry, with their positions as given (ring closing vertex included).
    enum Shape: Sendable, Hashable {
        case point(GeoPosition)
        case multiPoint([GeoPosition])
        case lineString([GeoPosition])
        case multiLineString([[GeoPosition]])
        case polygon([[GeoPosition]])
        case multiPolygon([[[GeoPosition]]])
        case geometryCollection([Geometry])
    }

    /// Reads a geometry, or `nil` for anything that is not a valid one.
    ///
    /// - `{"lat": n, "lng": n}` or `{"lat": n, "lon": n}` (other members ignored; both `lng`
    ///   and `lon` together is ambiguous and rejected) is a Point, when the object has no `type`.
    /// - A GeoJSON geometry object with valid coordinates (other members ignored).
    ///   `Feature` and `FeatureCollection` are not geometries and are rejected; pass their
    ///   `geometry` member instead.
    ///
    /// Positions need two numbers, longitude in −180…180 and latitude in −90…90 (further
    /// numbers, such as altitude, are allowed and dropped). Multi-geometries and collections must not be
    /// empty. Lines need two distinct positions (repeated consecutive positions are skipped);
    /// polygon rings must be closed, with three or more distinct vertices, no repeated vertex
    /// and no self-intersection; holes must lie inside the outer ring without touching it or
    /// each other.
    public init?(json: JSONValue) {
        guard let shape = Shape(json: json), let model = SphericalShape(shape) else { return nil }
        self.shape = shape
        self.model = model
    }

    /// The normalised GeoJSON of this geometry — what GROQ's `geo()` returns: only `type` and
    /// `coordinates` (or `geometries`), a geopoint object turned into a `Point`, positions as
    /// `[longitude, latitude]`.
    public var geoJSON: JSONValue { shape.geoJSON }

    /// Whether `other` lies entirely within this geometry — `geo::contains(self, other)`.
    ///
    /// Shapes are closed sets: a point on a polygon's edge is contained, and so is a polygon in
    /// itself. A polygon's holes are outside it. Lines and points have no area, so they never
    /// contain a polygon, and points never contain a line.
    public func contains(_ other: Geometry) -> Bool {
        model.covers(other.model)
    }

    /// Whether the two geometries have at least one point in common — `geo::intersects(self, other)`.
    /// Touching counts; the relation is symmetric.
    public func intersects(_ other: Geometry) -> Bool {
        model.intersects(other.model)
    }
}

extension Geometry: Hashable {
    public static func == (lhs: Geometry, rhs: Geometry) -> Bool { lhs.shape == rhs.shape }
    public func hash(into hasher: inout Hasher) { hasher.combine(shape) }
}

/// A GeoJSON position: longitude and latitude in degrees.
struct GeoPosition: Sendable, Hashable {
    var lng: Double
    var lat: Double
}
