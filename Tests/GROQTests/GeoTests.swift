import Foundation
import Testing
import TestSupport

@testable import GROQ

/// Builds a geometry from JSON, failing the test when it is rejected.
private func geometry(_ json: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) throws -> Geometry {
    try #require(Geometry(json: json), sourceLocation: sourceLocation)
}

private func point(_ lng: Double, _ lat: Double) throws -> Geometry {
    try geometry(["type": "Point", "coordinates": [.number(lng), .number(lat)]])
}

private func ring(_ coordinates: [(Double, Double)]) -> JSONValue {
    .array(coordinates.map { .array([.number($0.0), .number($0.1)]) })
}

private func polygon(_ rings: [(Double, Double)]...) throws -> Geometry {
    try geometry(["type": "Polygon", "coordinates": .array(rings.map(ring))])
}

private func line(_ coordinates: [(Double, Double)]) throws -> Geometry {
    try geometry(["type": "LineString", "coordinates": ring(coordinates)])
}

/// An axis-aligned "box" ring, counter-clockwise, closed. Its east-west edges are great-circle
/// arcs, so they bulge poleward a little; tests keep probes well away from them.
private func box(_ west: Double, _ south: Double, _ east: Double, _ north: Double) -> [(Double, Double)] {
    [(west, south), (east, south), (east, north), (west, north), (west, south)]
}

@Suite("Geo", .ownThread(computing: true))
struct GeoTests {
    // MARK: geo() — reading and normalising

    @Test func geopointObjectsBecomeGeoJSONPoints() throws {
        let expected: JSONValue = ["type": "Point", "coordinates": [10.752222, 59.913889]]
        #expect(try geometry(["lat": 59.913889, "lng": 10.752222]).geoJSON == expected)
        #expect(try geometry(["lat": 59.913889, "lon": 10.752222]).geoJSON == expected)
        // Sanity geopoints carry _type and alt; extra members are ignored.
        #expect(try geometry(["_type": "geopoint", "lat": 59.913889, "lng": 10.752222, "alt": 12]).geoJSON == expected)
    }

    @Test func invalidGeopointObjectsAreRejected() {
        #expect(Geometry(json: [:]) == nil)
        #expect(Geometry(json: ["lat": 59.9]) == nil)
        #expect(Geometry(json: ["lng": 10.7]) == nil)
        #expect(Geometry(json: ["lat": 59.9, "lng": 10.7, "lon": 10.7]) == nil, "lng and lon together are ambiguous")
        #expect(Geometry(json: ["lat": "59.9", "lng": 10.7]) == nil)
        #expect(Geometry(json: ["lat": 91, "lng": 10]) == nil)
        #expect(Geometry(json: ["lat": 10, "lng": -180.5]) == nil)
        #expect(Geometry(json: nil) == nil)
        #expect(Geometry(json: [10.7, 59.9]) == nil)
        #expect(Geometry(json: "POINT(10 59)") == nil)
    }

    @Test func geoJSONIsNormalisedToTypeAndCoordinates() throws {
        let point: JSONValue = ["type": "Point", "coordinates": [10.752222, 59.913889], "dingbat": ["foo": "bar"]]
        #expect(try geometry(point).geoJSON == ["type": "Point", "coordinates": [10.752222, 59.913889]])
        // Altitude is accepted and dropped.
        #expect(try geometry(["type": "Point", "coordinates": [1, 2, 300]]).geoJSON == ["type": "Point", "coordinates": [1, 2]])
        // geo() of geo() is the same value.
        let polygon: JSONValue = [
            "type": "Polygon", "coordinates": [[[100, 0], [101, 0], [101, 1], [100, 1], [100, 0]]], "bbox": [100, 0, 101, 1],
        ]
        let once = try geometry(polygon).geoJSON
        #expect(once == ["type": "Polygon", "coordinates": [[[100, 0], [101, 0], [101, 1], [100, 1], [100, 0]]]])
        #expect(try geometry(once).geoJSON == once)
    }

    @Test func everyGeometryTypeRoundTrips() throws {
        let shapes: [JSONValue] = [
            ["type": "MultiPoint", "coordinates": [[100, 10], [101, 10]]],
            ["type": "LineString", "coordinates": [[100, 10], [101, 10]]],
            ["type": "MultiLineString", "coordinates": [[[100, 10], [101, 10]], [[0, 0], [1, 1], [2, 0]]]],
            ["type": "MultiPolygon", "coordinates": [[[[100, 0], [101, 0], [101, 1], [100, 1], [100, 0]]]]],
            [
                "type": "GeometryCollection",
                "geometries": [
                    ["type": "Point", "coordinates": [1, 2]],
                    ["type": "LineString", "coordinates": [[100, 10], [101, 10]]],
                ],
            ],
        ]
        for shape in shapes {
            #expect(try geometry(shape).geoJSON == shape)
        }
    }

    @Test func malformedGeoJSONIsRejected() {
        let invalid: [JSONValue] = [
            ["type": "Point", "coordinates": [100]],
            ["type": "Point", "coordinates": ["1", "2"]],
            ["type": "Point"],
            ["type": "MultiPoint", "coordinates": [100]],
            ["type": "MultiPoint", "coordinates": []],
            ["type": "LineString", "coordinates": [10, 10]],
            ["type": "LineString", "coordinates": [[10, 10]]],
            ["type": "LineString", "coordinates": [[10, 10], [10, 10]]],
            ["type": "LineString", "coordinates": [[0, 0], [180, 0]]],  // antipodes: no unique arc
            ["type": "MultiLineString", "coordinates": [10, 10]],
            ["type": "Polygon", "coordinates": [100]],
            ["type": "MultiPolygon", "coordinates": [100]],
            ["type": "GeometryCollection", "geometries": []],
            ["type": "Feature", "geometry": ["type": "Point", "coordinates": [1, 2]], "properties": [:]],
            ["type": "FeatureCollection", "features": []],
            ["type": "InvalidType", "coordinates": [1, 2]],
            ["type": 1, "coordinates": [1, 2]],
        ]
        for json in invalid {
            #expect(Geometry(json: json) == nil, "\(json)")
        }
    }

    @Test func repeatedLinePositionsAreTolerated() throws {
        let json: JSONValue = ["type": "LineString", "coordinates": [[0, 0], [0, 0], [1, 1]]]
        #expect(try geometry(json).geoJSON == json, "geo() keeps the positions as given")
    }

    @Test func invalidPolygonsAreRejected() {
        let rings: [[(Double, Double)]] = [
            [(0, 0), (1, 0)],  // too short, not closed
            [(0, 0), (0, 0)],
            [(0, 0), (1, 0), (1, 1), (0, 1)],  // not closed
            [(0, 0), (1, 0), (1, 1), (1, 1), (0, 1), (0, 0)],  // repeated consecutive vertex
            [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0), (1, -1), (0, 0)],  // repeated vertex
            [(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)],  // bow tie
            [(0, 0), (1, 0), (2, 0), (0, 0)],  // folds back on itself
        ]
        for coordinates in rings {
            #expect(Geometry(json: ["type": "Polygon", "coordinates": [ring(coordinates)]]) == nil, "\(coordinates)")
        }
    }

    @Test func invalidHolesAreRejected() {
        let shell = box(0, 0, 10, 10)
        let holes: [[(Double, Double)]] = [
            box(20, 20, 21, 21),  // outside the shell
            box(5, 5, 15, 6),  // crosses the shell
            box(0, 2, 3, 3),  // touches the shell
        ]
        for hole in holes {
            #expect(Geometry(json: ["type": "Polygon", "coordinates": [ring(shell), ring(hole)]]) == nil)
        }
        let nested: JSONValue = ["type": "Polygon", "coordinates": [ring(shell), ring(box(2, 2, 8, 8)), ring(box(4, 4, 5, 5))]]
        #expect(Geometry(json: nested) == nil, "a hole inside another hole")
    }

    // MARK: geo::contains

    @Test func pointInPolygon() throws {
        let square = try polygon(box(10, 50, 20, 60))
        #expect(square.contains(try point(15, 55)))
        #expect(!square.contains(try point(25, 55)))
        #expect(!square.contains(try point(15, 45)))
        #expect(try point(15, 55).contains(square) == false, "a point does not contain an area")
    }

    @Test func pointsOnTheBoundaryAreContained() throws {
        let square = try polygon(box(10, 50, 20, 60))
        #expect(square.contains(try point(10, 55)), "on a meridian edge")
        #expect(square.contains(try point(20, 60)), "on a vertex")
        let equatorial = try polygon(box(100, 0, 101, 1))
        #expect(equatorial.contains(try point(100.5, 0)), "on an equatorial edge")
    }

    @Test func pointInHoleIsOutside() throws {
        let park = try polygon(box(0, 0, 10, 10), box(4, 4, 6, 6))
        #expect(!park.contains(try point(5, 5)))
        #expect(park.contains(try point(2, 2)))
        #expect(park.contains(try point(4, 5)), "the shore of the hole belongs to the polygon")
        #expect(!park.intersects(try point(5, 5)))
    }

    @Test func windingOrderDoesNotMatter() throws {
        let counterClockwise = try polygon(box(10, 50, 20, 60))
        let clockwise = try polygon(Array(box(10, 50, 20, 60).reversed()))
        for probe in [try point(15, 55), try point(25, 55), try point(-170, -50)] {
            #expect(counterClockwise.contains(probe) == clockwise.contains(probe))
        }
        #expect(clockwise.contains(try point(15, 55)))
    }

    @Test func polygonInMultiPolygon() throws {
        let islands = try geometry([
            "type": "MultiPolygon",
            "coordinates": [[ring(box(0, 0, 10, 10))], [ring(box(20, 0, 30, 10))]],
        ])
        #expect(islands.contains(try polygon(box(22, 2, 28, 8))))
        #expect(islands.contains(try polygon(box(2, 2, 8, 8))))
        #expect(!islands.contains(try polygon(box(8, 2, 22, 8))), "spans the water between the islands")
        #expect(islands.contains(try geometry(["type": "MultiPoint", "coordinates": [[5, 5], [25, 5]]])))
        #expect(!islands.contains(try geometry(["type": "MultiPoint", "coordinates": [[5, 5], [15, 5]]])))
    }

    @Test func polygonsAndHoles() throws {
        let park = try polygon(box(0, 0, 10, 10), box(4, 4, 6, 6))
        #expect(park.contains(try polygon(box(1, 1, 3, 3))), "beside the hole")
        #expect(!park.contains(try polygon(box(3, 3, 7, 7))), "covers the hole")
        #expect(!park.contains(try polygon(box(4.5, 4.5, 5.5, 5.5))), "within the hole")
        #expect(park.contains(park), "a polygon contains itself")
        #expect(try polygon(box(0, 0, 10, 10)).contains(park))
        #expect(!park.contains(try polygon(box(0, 0, 10, 10))))
    }

    @Test func linesInPolygons() throws {
        let square = try polygon(box(10, 50, 20, 60))
        #expect(square.contains(try line([(11, 51), (19, 59), (12, 58)])))
        #expect(!square.contains(try line([(15, 55), (25, 55)])), "crosses the edge")
        #expect(square.contains(try line([(10, 52), (10, 58)])), "runs along the edge")
        let park = try polygon(box(0, 0, 10, 10), box(4, 4, 6, 6))
        #expect(!park.contains(try line([(2, 5), (8, 5)])), "passes through the hole")
        #expect(park.contains(try line([(2, 2), (8, 2)])))
    }

    @Test func pointsAndLinesContainingThings() throws {
        let path = try line([(0, 0), (10, 0), (10, 10)])
        #expect(path.contains(try point(5, 0)), "a point on the line")
        #expect(path.contains(try point(10, 10)))
        #expect(!path.contains(try point(5, 1)))
        #expect(path.contains(try line([(2, 0), (10, 0), (10, 3)])), "a stretch of the line")
        #expect(!path.contains(try line([(2, 0), (10, 1)])))
        #expect(!path.contains(try polygon(box(0, 0, 1, 1))), "lines have no area")
        #expect(try point(1, 2).contains(try point(1, 2)))
        #expect(try geometry(["lat": 2, "lng": 1]).contains(try point(1, 2)))
        #expect(!(try point(1, 2)).contains(try line([(1, 2), (1, 3)])))
    }

    // MARK: geo::intersects

    @Test func lineCrossingPolygon() throws {
        let square = try polygon(box(10, 50, 20, 60))
        // No vertex of the line is inside; only its middle crosses the square.
        let crossing = try line([(5, 55), (25, 55)])
        #expect(square.intersects(crossing))
        #expect(crossing.intersects(square))
        #expect(!square.contains(crossing))
        #expect(!square.intersects(try line([(5, 45), (25, 45)])))
    }

    @Test func disjointAndTouchingShapes() throws {
        let a = try polygon(box(0, 0, 10, 10))
        #expect(!a.intersects(try polygon(box(20, 20, 30, 30))))
        #expect(a.intersects(try polygon(box(10, 0, 20, 10))), "sharing an edge")
        #expect(a.intersects(try polygon([(10, 10), (20, 10), (20, 20), (10, 10)])), "sharing a vertex")
        #expect(a.intersects(try polygon(box(2, 2, 3, 3))), "one inside the other")
        #expect(try polygon(box(2, 2, 3, 3)).intersects(a))
        #expect(try line([(0, 20), (10, 30)]).intersects(try line([(0, 30), (10, 20)])), "crossing lines")
        #expect(!(try line([(0, 20), (10, 20)])).intersects(try line([(0, 21), (10, 21)])))
        #expect(try point(1, 1).intersects(try geometry(["lat": 1, "lng": 1])))
    }

    @Test func geometryCollectionsAreTheUnionOfTheirMembers() throws {
        let collection = try geometry([
            "type": "GeometryCollection",
            "geometries": [
                ["type": "Polygon", "coordinates": [ring(box(0, 0, 10, 10))]],
                ["type": "Point", "coordinates": [50, 50]],
            ],
        ])
        #expect(collection.contains(try point(50, 50)))
        #expect(collection.contains(try point(5, 5)))
        #expect(!collection.contains(try point(30, 30)))
        #expect(collection.intersects(try line([(50, 40), (50, 60)])), "along a meridian, through the point")
        #expect(!collection.intersects(try line([(40, 50), (60, 50)])), "a great circle passes north of the point")
    }

    // MARK: Spherical semantics

    @Test func edgesAreGreatCircleArcs() throws {
        // The southern edge, from (-60, 60) to (60, 60), is a great-circle arc that bulges north
        // to latitude 73.9° at the Greenwich meridian (tan φ = tan 60° / cos 60°).
        let band = try polygon(box(-60, 60, 60, 85))
        #expect(!band.contains(try point(0, 70)), "planar geometry would say inside")
        #expect(band.contains(try point(0, 78)))
        #expect(band.contains(try point(-59, 61)), "near the corners the arc is close to the parallel")
    }

    @Test func shapesMayCrossTheAntimeridian() throws {
        let pacific = try polygon([(170, -10), (-170, -10), (-170, 10), (170, 10), (170, -10)])
        #expect(pacific.contains(try point(180, 0)))
        #expect(pacific.contains(try point(-180, 0)))
        #expect(pacific.contains(try point(-175, 5)))
        #expect(!pacific.contains(try point(0, 0)))
        #expect(pacific.intersects(try line([(175, -20), (175, 20)])))
        #expect(try line([(179, 0), (-179, 0)]).contains(try point(180, 0)), "the short way round")
    }

    @Test func polesArePoints() throws {
        let arctic = try polygon([(0, 80), (90, 80), (180, 80), (-90, 80), (0, 80)])
        #expect(arctic.contains(try point(0, 90)))
        #expect(arctic.contains(try point(123, 90)), "every longitude names the same pole")
        #expect(arctic.contains(try point(45, 85)))
        #expect(!arctic.contains(try point(45, 70)))
        #expect(!arctic.contains(try point(0, -90)))
        // Two "corners" at the pole are one repeated vertex.
        #expect(Geometry(json: ["type": "Polygon", "coordinates": [ring([(0, 80), (0, 90), (90, 90), (90, 80), (0, 80)])]]) == nil)
    }

    // MARK: geo::distance

    @Test func distanceOsloStockholm() throws {
        let oslo = try geometry(["lat": 59.913889, "lng": 10.752222])
        let stockholm = try geometry(["lat": 59.329444, "lng": 18.068611])
        // Haversine on a sphere of radius 6378137 m: central angle 0.0653420856093639 rad.
        // Double rounding in the formula is below 1e-9 m at this scale.
        let expected = 0.0653420856093639 * 6_378_137
        let d = try #require(Geometry.distance(oslo, stockholm))
        #expect(abs(d - expected) < 1e-6)
        #expect(abs(d - 416_760.77) < 0.01)
        #expect(Geometry.distance(stockholm, oslo) == d, "symmetric, to the bit")
        #expect(Geometry.distance(oslo, oslo) == 0)
    }

    @Test func distanceAcrossTheAntimeridianAndPoles() throws {
        let west = try point(179.5, 0), east = try point(-179.5, 0)
        let oneDegree = Geometry.earthRadius * .pi / 180
        #expect(abs(try #require(Geometry.distance(west, east)) - oneDegree) < 1e-6)
        let north = try point(0, 90), south = try point(77, -90)
        #expect(abs(try #require(Geometry.distance(north, south)) - Geometry.earthRadius * .pi) < 1e-6)
    }

    @Test func distanceIsOnlyBetweenPoints() throws {
        let p = try point(10, 60)
        #expect(Geometry.distance(p, try polygon(box(0, 0, 1, 1))) == nil)
        #expect(Geometry.distance(try line([(0, 0), (1, 1)]), p) == nil)
        #expect(Geometry.distance(p, try geometry(["type": "MultiPoint", "coordinates": [[10, 60]]])) == nil)
    }

    // MARK: geo::latLng

    @Test func latLngMakesAPoint() {
        #expect(Geometry.latLng(59.913889, 10.752222) == ["type": "Point", "coordinates": [10.752222, 59.913889]])
        #expect(Geometry.latLng(nil, 3.14) == nil)
        #expect(Geometry.latLng(3.14, nil) == nil)
        #expect(Geometry.latLng(nil, nil) == nil)
        #expect(Geometry.latLng("59.9", 10.7) == nil)
        #expect(Geometry.latLng(95, 10) == nil)
    }
}
