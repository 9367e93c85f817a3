import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

/// ₂F₁ against closed forms (A&S 15.1), across the three regimes: the direct series (0 ≤ z ≤ 0.9),
/// the z → 1 − z transformation (z > 0.9, including integer c − a − b) and Pfaff's transformation (z < 0).
@Suite("Hypergeometric 2F1", .ownThread(computing: true))
struct HypergeometricTests {
    static func close(_ value: Double, _ expected: Double, relative: Double = 1e-11, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(value - expected) <= relative * abs(expected), "got \(value), expected \(expected)", sourceLocation: sourceLocation)
    }

    static let arguments: [Double] = [0.05, 0.3, 0.5, 0.85, 0.9, 0.9001, 0.95, 0.99, 0.999, 0.999999]

    @Test(arguments: arguments)
    func logarithm(z: Double) throws {
        // 2F1(1, 1; 2; z) = −ln(1 − z)/z; c − a − b = 0, the degenerate case of the transformation.
        Self.close(try Hypergeometric.f21(1, 1, 2, z), -log1p(-z) / z, relative: 1e-9)
    }

    @Test(arguments: arguments)
    func binomial(z: Double) throws {
        // 2F1(a, b; b; z) = (1 − z)^(−a), with c − a − b = −a non-integer.
        Self.close(try Hypergeometric.f21(0.37, 2.5, 2.5, z), pow(1 - z, -0.37))
        Self.close(try Hypergeometric.f21(3.3, 1.7, 1.7, z), pow(1 - z, -3.3))
    }

    @Test(arguments: arguments)
    func arcsine(z: Double) throws {
        // 2F1(1/2, 1/2; 3/2; s²) = arcsin(s)/s; c − a − b = 1/2.
        let s = z.squareRoot()
        Self.close(try Hypergeometric.f21(0.5, 0.5, 1.5, z), asin(s) / s, relative: 1e-10)
    }

    @Test func integerGapAboveZero() throws {
        // 2F1(1, 1; 3; z) = 2[(1 − z)ln(1 − z) + z] / z², with c − a − b = 1.
        for z in [0.2, 0.95, 0.9999] {
            let expected = 2 * ((1 - z) * log1p(-z) + z) / (z * z)
            Self.close(try Hypergeometric.f21(1, 1, 3, z), expected, relative: 1e-8)
        }
    }

    @Test func gaussSumAtOne() throws {
        // 2F1(a, b; c; 1) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)); here 2F1(1/2, 1/2; 2; 1) = Γ(2)Γ(1)/Γ(3/2)² = 4/π.
        Self.close(try Hypergeometric.f21(0.5, 0.5, 2, 1), 4 / Double.pi)
        #expect(throws: AnalyticsError.self) { try Hypergeometric.f21(1, 1, 2, 1) }
    }

    @Test func negativeArgumentsThroughPfaff() throws {
        // 2F1(1, 1; 2; −z) = ln(1 + z)/z, also far out where z/(z − 1) is close to 1.
        for z in [0.1, 0.9, 5.0, 80.0, 1e5] {
            Self.close(try Hypergeometric.f21(1, 1, 2, -z), log1p(z) / z, relative: 1e-9)
        }
    }

    @Test func terminatingPolynomial() throws {
        // 2F1(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1)).
        let b = 1.5, c = 2.5
        for z in [-3.0, 0.4, 0.95] {
            Self.close(try Hypergeometric.f21(-2, b, c, z), 1 - 2 * b * z / c + b * (b + 1) * z * z / (c * (c + 1)), relative: 1e-12)
        }
    }

    @Test func largeParametersStayFiniteInLogSpace() throws {
        // The BG/NBD case for a customer with 300 repeat purchases over a long horizon:
        // 2F1(r + x, b + x; a + b + x − 1; z) = (1 − z)^(−(r+x)) when b + x = a + b + x − 1, i.e. a = 1;
        // take a = 1 exactly so the closed form applies while the value is ~10^300+.
        let r = 0.243, b = 2.426, x = 300.0, z = 0.99
        let log = try Hypergeometric.logF21(r + x, b + x, 1 + b + x - 1, z)
        Self.close(log, -(r + x) * log1p(-z), relative: 1e-10)
        #expect(try Hypergeometric.f21(r + x, b + x, b + x, z) == .infinity)
    }

    /// BG/NBD-shaped arguments (r + x, b + x; a + b + x − 1) with CDNOW's parameters and x = 3,
    /// against values computed with mpmath at 30 digits.
    @Test(arguments: [(0.5, 6.8623453889607357), (0.9, 475.19152251907048), (0.95, 2746.6469809337652),
                      (0.99, 149472.9940927454), (0.9999, 12056916044.501453)])
    func bgnbdShapedArguments(z: Double, expected: Double) throws {
        Self.close(try Hypergeometric.f21(3.243, 5.426, 6.219, z), expected, relative: 1e-10)
    }

    @Test func transformationAgreesWithSeriesAtTheSwitch() throws {
        let below = try Hypergeometric.f21(3.243, 5.426, 6.219, 0.9)
        let above = try Hypergeometric.f21(3.243, 5.426, 6.219, 0.9 + 1e-13)
        #expect(abs(above - below) <= 1e-9 * below)
        // A customer with 50 repeat purchases: 6.6964643487267337e76 (mpmath).
        Self.close(try Hypergeometric.f21(50.243, 52.426, 52.219, 0.97), 6.6964643487267337e76, relative: 1e-9)
    }

    /// A BG/NBD fit to a small clientele with no spread in its dropout rates (the 60-client demo
    /// of seed 1) drove a and b near 10²²⁶: the series then never stopped, as its tail test waited
    /// for n to pass b. The limit (1 − (b/c)z)^(−a) holds there; values from mpmath at 40 digits.
    @Test func parametersFarLargerThanTheTermsNeeded() throws {
        let a = 0.6172573282826668, b = 1.5336786781260907e226, c = 2.3664689983426508e226, z = 0.7728066573654769
        Self.close(try Hypergeometric.f21(a, b, c, z), 1.535560949615862918809512735257374129146, relative: 1e-12)
        Self.close(try Hypergeometric.f21(a, b, c, z), pow(1 - b / c * z, -a), relative: 1e-12)
        // Large but not astronomical: the series, whose tail is now bounded from the first terms.
        Self.close(try Hypergeometric.f21(0.6, 3e9, 4.5e9, 0.77), 1.540497647309329275995651492798670841278, relative: 1e-12)
        // The symmetric case, a and c large.
        Self.close(try Hypergeometric.f21(b, a, c, z), pow(1 - b / c * z, -a), relative: 1e-12)
    }

    /// b and c large but not astronomical (10⁶ to 10¹⁵) with z past 0.9: the z → 1 − z
    /// transformation's gamma functions lose their precision at that size, while the power
    /// series, whose ratio is about (b / c)z, converges in a few hundred positive terms. Values
    /// summed term by term with mpmath at 50 digits.
    @Test func largeParametersNearOne() throws {
        let cases: [(Double, Double, Double, Double, Double)] = [
            (0.6, 1e8, 1.5e8, 0.95, 1.8257324885374904144),
            (2.6, 3e6, 4.5e6, 0.99, 16.525540265238308239),
            (5.6, 1e12, 1.6e12, 0.97, 184.82674957838573471),
            (0.6, 1e15, 2.2e15, 0.999, 1.4378970875484285918),
            (30.6, 2e7, 2.5e7, 0.93, 1281960950281880769.9),
        ]
        for (a, b, c, z, expected) in cases {
            Self.close(try Hypergeometric.f21(a, b, c, z), expected, relative: 1e-10)
            Self.close(try Hypergeometric.f21(b, a, c, z), expected, relative: 1e-10)
        }
    }

    @Test func rejectsArgumentsOutsideTheDomain() {
        #expect(throws: AnalyticsError.self) { try Hypergeometric.f21(1, 1, 2, 1.5) }
        #expect(throws: AnalyticsError.self) { try Hypergeometric.f21(1, 1, -2, 0.5) }
        #expect(throws: AnalyticsError.self) { try Hypergeometric.f21(.nan, 1, 2, 0.5) }
    }
}
