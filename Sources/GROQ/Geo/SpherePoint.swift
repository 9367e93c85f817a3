import Foundation

/// A point on the unit sphere (or, in intermediate steps, any 3-vector).
///
/// GROQ's geo predicates treat the Earth as a sphere and every edge as a great-circle arc, the
/// way the reference implementation's S2-style geometry does. Working with unit vectors instead
/// of latitude / longitude makes that geometry free of special cases: the antimeridian and the
/// poles are ordinary places, and "which side of an edge" is the sign of one triple product.
struct SpherePoint: Sendable, Hashable {
    var x: Double
    var y: Double
    var z: Double

    init(x: Double, y: Double, z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// The unit vector of a GeoJSON position (degrees; longitude first, as GeoJSON orders them).
    init(_ position: GeoPosition) {
        let lat = position.lat * .pi / 180
        let lng = position.lng * .pi / 180
        let c = cos(lat)
        self.init(x: c * cos(lng), y: c * sin(lng), z: sin(lat))
    }

    static func + (a: SpherePoint, b: SpherePoint) -> SpherePoint {
        SpherePoint(x: a.x + b.x, y: a.y + b.y, z: a.z + b.z)
    }

    static func - (a: SpherePoint, b: SpherePoint) -> SpherePoint {
        SpherePoint(x: a.x - b.x, y: a.y - b.y, z: a.z - b.z)
    }

    static func * (k: Double, a: SpherePoint) -> SpherePoint {
        SpherePoint(x: k * a.x, y: k * a.y, z: k * a.z)
    }

    static prefix func - (a: SpherePoint) -> SpherePoint {
        SpherePoint(x: -a.x, y: -a.y, z: -a.z)
    }

    func dot(_ o: SpherePoint) -> Double { x * o.x + y * o.y + z * o.z }

    func cross(_ o: SpherePoint) -> SpherePoint {
        SpherePoint(x: y * o.z - z * o.y, y: z * o.x - x * o.z, z: x * o.y - y * o.x)
    }

    var norm: Double { sqrt(dot(self)) }

    /// This vector scaled to unit length; the zero vector stays zero.
    var normalized: SpherePoint {
        let n = norm
        return n > 0 ? (1 / n) * self : self
    }

    /// The angle between two unit vectors, in radians, accurate for tiny and near-π angles alike
    /// (`acos` of the dot product loses all precision for nearly equal vectors).
    func angle(to o: SpherePoint) -> Double {
        atan2(cross(o).norm, dot(o))
    }

    /// Some unit vector perpendicular to this one.
    var orthogonal: SpherePoint {
        // Cross with the axis this vector is least aligned with, so the result is well conditioned.
        let ax = abs(x), ay = abs(y), az = abs(z)
        let axis: SpherePoint =
            ax <= ay && ax <= az
            ? SpherePoint(x: 1, y: 0, z: 0)
            : (ay <= az ? SpherePoint(x: 0, y: 1, z: 0) : SpherePoint(x: 0, y: 0, z: 1))
        return cross(axis).normalized
    }
}

/// The sign of the triple product `(a × b) · c`: positive when `c` is on the left of the great
/// circle through `a` then `b`, negative on the right, zero when (numerically) on it.
@inline(__always)
func orientation(_ a: SpherePoint, _ b: SpherePoint, _ c: SpherePoint) -> Double {
    a.cross(b).dot(c)
}

/// Tolerances of the spherical predicates, in radians of arc on the unit sphere.
enum GeoTolerance {
    /// Two points closer than this are the same point, and a point this close to an edge is on it
    /// (about 6 µm on the Earth). It absorbs the rounding of degrees-to-vector conversion, so that
    /// for instance a point on a meridian edge of a polygon counts as on its boundary, while being
    /// far below the precision of any real coordinate.
    static let coincident = 1e-12

    /// How far from an edge the probe points that decide "which side" are placed (about 6 cm):
    /// well clear of `coincident`, yet finer than any real feature of a shape.
    static let probeOffset = 1e-8
}
