/// A geometry flattened into what the predicates work on: isolated points, polylines and
/// polygons on the unit sphere, with one index over every edge.
///
/// GeoJSON's seven types differ only in how they group these three primitives, and a shape
/// means the union of its parts (a MultiPolygon is all of its polygons, a GeometryCollection
/// all of its members). Flattening once means `contains` and `intersects` are written once,
/// for any pair of types, instead of once per pair.
struct SphericalShape: Sendable {
    let points: [SpherePoint]
    /// Polylines, consecutive repeated vertices removed; each has at least one edge.
    let lines: [[SpherePoint]]
    let polygons: [SphericalPolygon]
    /// The edges of the polylines.
    let lineEdges: EdgeIndex
    /// The edges of the polylines and of every polygon ring: everywhere the shape has a boundary.
    let edges: EdgeIndex
    /// A box around the whole shape.
    let bounds: Box3

    /// Converts and validates a shape; `nil` if a line or polygon is invalid (see `Geometry.init(json:)`).
    init?(_ shape: Geometry.Shape) {
        var points: [SpherePoint] = []
        var lines: [[SpherePoint]] = []
        var polygons: [SphericalPolygon] = []
        guard Self.collect(shape, &points, &lines, &polygons) else { return nil }
        self.points = points
        self.lines = lines
        self.polygons = polygons
        let lineArcs = lines.flatMap { line in zip(line, line.dropFirst()).map { GreatCircleArc($0, $1) } }
        lineEdges = EdgeIndex(lineArcs)
        edges = EdgeIndex(lineArcs + polygons.flatMap(\.edges.arcs))

        var boxes = points.map(Box3.init) + polygons.map(\.bounds)
        if let lineBox = lineEdges.bounds { boxes.append(lineBox) }
        guard var bounds = boxes.first else { return nil }
        for box in boxes.dropFirst() { bounds.formUnion(box) }
        self.bounds = bounds.padded(by: 2 * GeoTolerance.coincident)
    }

    private static func collect(
        _ shape: Geometry.Shape, _ points: inout [SpherePoint], _ lines: inout [[SpherePoint]],
        _ polygons: inout [SphericalPolygon]
    ) -> Bool {
        switch shape {
        case .point(let p):
            points.append(SpherePoint(p))
        case .multiPoint(let ps):
            points += ps.map(SpherePoint.init)
        case .lineString(let ps):
            guard let line = polyline(ps) else { return false }
            lines.append(line)
        case .multiLineString(let lineList):
            for ps in lineList {
                guard let line = polyline(ps) else { return false }
                lines.append(line)
            }
        case .polygon(let rings):
            guard let polygon = SphericalPolygon(rings) else { return false }
            polygons.append(polygon)
        case .multiPolygon(let polygonList):
            for rings in polygonList {
                guard let polygon = SphericalPolygon(rings) else { return false }
                polygons.append(polygon)
            }
        case .geometryCollection(let members):
            // Members were validated when they were read; reuse their parts.
            for member in members {
                points += member.model.points
                lines += member.model.lines
                polygons += member.model.polygons
            }
        }
        return true
    }

    /// A line's vertices with consecutive repeats dropped; `nil` with fewer than two distinct
    /// vertices or with consecutive antipodal vertices (no unique great circle joins them).
    private static func polyline(_ positions: [GeoPosition]) -> [SpherePoint]? {
        var vertices: [SpherePoint] = []
        for p in positions.map(SpherePoint.init) {
            if let last = vertices.last {
                let step = last.angle(to: p)
                if step <= GeoTolerance.coincident { continue }
                guard step < .pi - 1e-9 else { return nil }
            }
            vertices.append(p)
        }
        return vertices.count >= 2 ? vertices : nil
    }

    // MARK: - Point location

    /// Whether `p` belongs to the shape (boundaries included).
    func locate(_ p: SpherePoint) -> Bool {
        guard bounds.contains(p) else { return false }
        if points.contains(where: { $0.angle(to: p) <= GeoTolerance.coincident }) { return true }
        let near = Box3(p).padded(by: 2 * GeoTolerance.coincident)
        if lineEdges.firstCandidate(near: near, where: { lineEdges.arcs[$0].contains(p) }) { return true }
        return polygons.contains { $0.locate(p) != .outside }
    }

    // MARK: - Predicates

    /// Whether the shapes share a point.
    ///
    /// If no edge of one meets an edge of the other, each connected part of either shape lies
    /// wholly inside or wholly outside the other, so testing one vertex per part settles it.
    func intersects(_ other: SphericalShape) -> Bool {
        guard bounds.intersects(other.bounds) else { return false }
        if edges.anyIntersects(other.edges) { return true }
        return other.representatives.contains(where: locate) || representatives.contains(where: other.locate)
    }

    /// One vertex of every connected part: each point, each line, each polygon.
    private var representatives: [SpherePoint] {
        points + lines.map { $0[0] } + polygons.map(\.representative)
    }

    /// Whether every point of `other` belongs to this shape.
    ///
    /// `other`'s points must lie in this shape, and so must its edges, which is checked by
    /// cutting each edge wherever this shape's edges meet it and testing a point of each piece
    /// (a piece cannot leave the shape without meeting its boundary). For `other`'s polygons
    /// the area must be covered too: a point just inside each of their edges must lie in this
    /// shape, and no point just outside one of this shape's polygons (such as in a hole) may
    /// lie in `other`.
    func covers(_ other: SphericalShape) -> Bool {
        if !other.polygons.isEmpty, polygons.isEmpty { return false }
        if other.edges.arcs.count > 0, edges.arcs.count == 0 { return false }
        // Quick rejection; the margin absorbs rounding where both boxes end at the same point.
        guard bounds.padded(by: 1e-9).contains(other.bounds) else { return false }
        guard other.points.allSatisfy(locate) else { return false }
        guard other.edges.arcs.allSatisfy(covers) else { return false }
        for polygon in other.polygons {
            guard polygon.insideProbes.allSatisfy(locate) else { return false }
        }
        if !other.polygons.isEmpty {
            for polygon in polygons {
                for probe in polygon.outsideProbes where other.bounds.contains(probe) {
                    if other.locate(probe), !locate(probe) { return false }
                }
            }
        }
        return true
    }

    /// Whether every point of `arc` belongs to this shape.
    private func covers(_ arc: GreatCircleArc) -> Bool {
        guard locate(arc.a), locate(arc.b) else { return false }
        var cuts: [(angle: Double, point: SpherePoint)] = []
        _ = edges.firstCandidate(near: arc.bounds) { index in
            for point in arc.meetingPoints(with: edges.arcs[index]) {
                cuts.append((arc.a.angle(to: point), point))
            }
            return false
        }
        cuts.sort { $0.angle < $1.angle }
        var previous = (angle: 0.0, point: arc.a)
        for cut in cuts + [(arc.a.angle(to: arc.b), arc.b)] {
            if cut.angle - previous.angle > GeoTolerance.coincident {
                // Between two cuts the arc is wholly inside or wholly outside the shape.
                guard locate((previous.point + cut.point).normalized) else { return false }
                previous = cut
            }
        }
        return true
    }
}

extension Box3 {
    /// Whether `other` lies within this box.
    func contains(_ other: Box3) -> Bool {
        contains(other.min) && contains(other.max)
    }
}
