package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.police4j.certify.Nets.layer;
import static org.police4j.certify.Nets.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.police4j.network.Layer.Dense;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;

/** Hand-made networks whose answer is known. */
class CertifierTest {

    private static final Certifier EXACT = Certifier.builder().optFastPath(false).build();
    private static final Certifier SERIAL = Certifier.builder().optParallel(false).build();

    /** y = 2 * act(x - 0.5) + 1 in 1-D. */
    private static FoldedNetwork shiftedUnit(Cpa act) {
        return net(act, layer(new float[][] {{2f}}, new float[] {1f}),
                layer(new float[][] {{1f}}, new float[] {-0.5f}));
    }

    @Test
    void oneUnitStraddlingTheKinkIsRefusedWithItsRange() {
        for (Certifier c : List.of(Certifier.builder().build(), EXACT, SERIAL)) {
            Certificate cert = c.run(shiftedUnit(Cpa.relu()), new double[][] {{0}, {1}}, null);
            assertThat(cert.certified()).isFalse();
            assertThat(cert.offendingUnits()).isEqualTo(1);
            assertThat(cert.unitsChecked()).isEqualTo(1);
            assertThat(cert.hiddenLayers()).isEqualTo(1);
            assertThat(cert.firstViolation()).isEqualTo(new Violation(0, 0, -0.5, 0.5));
            // majority tie goes to +1: the map of the identity branch, 2 (x - 0.5) + 1 = 2x
            assertThat(cert.a()).isEqualTo(new double[][] {{2}});
            assertThat(cert.b()).isEqualTo(new double[] {0});
            // at x = 0 ReLU is off: net = 1, map = 0
            assertThat(cert.vertexDeviation()).isEqualTo(1.0);
            assertThat(cert.summary()).contains("NOT CERTIFIED", "layer 0, unit 0", "-0.500000",
                    "0.500000", "majority activation pattern (NOT valid");
        }
    }

    @Test
    void firstViolationIsTheFirstStraddlingLayerAndUnitAndAllAreCounted() {
        // 2-D input; layer 0: u0 = x0 + 0 (>= 0 on the square [0,1]^2), u1 = x1 - 0.25 (straddles)
        // layer 1: v0 = u0 + 10 (positive), v1 = u0 - 0.5 (straddles), v2 = -u0 - 1 (negative)
        Dense l0 = layer(new float[][] {{1f, 0f}, {0f, 1f}}, new float[] {0f, -0.25f});
        Dense l1 = layer(new float[][] {{1f, 0f}, {1f, 0f}, {-1f, 0f}},
                new float[] {10f, -0.5f, -1f});
        Dense head = layer(new float[][] {{1f, 1f, 1f}}, new float[] {0f});
        double[][] square = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.abs())) {
            FoldedNetwork f = net(act, head, l0, l1);
            for (Certifier c : List.of(Certifier.builder().build(), EXACT)) {
                Certificate cert = c.run(f, square, null);
                assertThat(cert.certified()).isFalse();
                assertThat(cert.offendingUnits()).isEqualTo(2);
                assertThat(cert.unitsChecked()).isEqualTo(5);
                assertThat(cert.firstViolation()).isEqualTo(new Violation(0, 1, -0.25, 0.75));
            }
            // without the straddling unit of layer 0 the first one is (1, 1)
            Dense l0ok = layer(new float[][] {{1f, 0f}, {0f, 1f}}, new float[] {0f, 0.25f});
            Certificate cert = Certifier.certify(net(act, head, l0ok, l1), square, null);
            assertThat(cert.offendingUnits()).isEqualTo(1);
            assertThat(cert.firstViolation()).isEqualTo(new Violation(1, 1, -0.5, 0.5));
        }
    }

    @Test
    void aVertexExactlyOnTheKinkIsCompatibleWithBothSides() {
        // pre-activation 0.5 x - 1: exactly 0 at x = 2, positive at x = 3
        FoldedNetwork f = net(Cpa.leakyRelu(), layer(new float[][] {{4f}}, new float[] {-3f}),
                layer(new float[][] {{0.5f}}, new float[] {-1f}));
        double[][] segment = {{2}, {3}};
        double[][] inside = {{2.25}, {2.5}, {2.999}};
        for (Certifier c : List.of(Certifier.builder().build(), EXACT)) {
            Certifier.Analysis an = c.analyze(f, segment, inside);
            Certificate cert = an.certificate;
            assertThat(cert.certified()).isTrue();
            assertThat(cert.firstViolation()).isNull();
            assertThat(cert.offendingUnits()).isZero();
            assertThat(an.sides[0][0]).isEqualTo(1);
            // 4 (0.5 x - 1) - 3 = 2x - 7
            assertThat(cert.a()).isEqualTo(new double[][] {{2}});
            assertThat(cert.b()).isEqualTo(new double[] {-7});
            assertThat(cert.vertexDeviation()).isZero();
            assertThat(cert.interiorDeviation()).isZero();
            assertThat(cert.interiorPoints()).isEqualTo(3);
            // the vertex on the kink cannot be decided in double: it goes the exact way
            assertThat(an.exactVertices).isGreaterThanOrEqualTo(1);
        }
        // the same on the other side: exactly 0 at x = 2, negative at x = 1 -> side -1
        Certifier.Analysis an = SERIAL.analyze(f, new double[][] {{1}, {2}}, null);
        assertThat(an.certificate.certified()).isTrue();
        assertThat(an.sides[0][0]).isEqualTo(-1);
        // leaky branch: 4 * 0.01f * (0.5 x - 1) - 3 (the float32 slope), computed exactly then rounded
        double slope = new BigDecimal(4).multiply(new BigDecimal((float) 0.01))
                .multiply(new BigDecimal(0.5)).doubleValue();
        assertThat(an.certificate.a()[0][0]).isEqualTo(slope);
        // all vertices exactly 0: side +1, certified
        Certifier.Analysis zero = SERIAL.analyze(f, new double[][] {{2}, {2}}, null);
        assertThat(zero.certificate.certified()).isTrue();
        assertThat(zero.sides[0][0]).isEqualTo(1);
        assertThat(zero.certificate.a()).isEqualTo(new double[][] {{2}});
    }

    /**
     * Float32/double rounding that a double evaluation gets wrong: 3 * (1/3.0) rounds to 1.0 in
     * double, so the second-layer unit 3 z - 1 looks exactly 0 at x = 1/3.0, while its exact
     * value is -2^-54; at x = nextUp(1/3.0) the double is 0 again but the exact value is
     * +2^-53.
     */
    @Test
    void exactnessBeatsDoubleRoundingInTheSecondLayer() {
        double third = 1 / 3.0;
        double thirdUp = Math.nextUp(third);
        assertThat(3 * third - 1).isZero();
        assertThat(3 * thirdUp - 1).isZero();
        assertThat(new BigDecimal(3).multiply(new BigDecimal(third)).subtract(BigDecimal.ONE)
                .signum()).isEqualTo(-1);
        assertThat(new BigDecimal(3).multiply(new BigDecimal(thirdUp)).subtract(BigDecimal.ONE)
                .signum()).isEqualTo(1);
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.abs())) {
            FoldedNetwork f = net(act, layer(new float[][] {{1f}}, new float[] {0f}),
                    layer(new float[][] {{1f}}, new float[] {0f}), // z = x on x >= 0
                    layer(new float[][] {{3f}}, new float[] {-1f}));
            for (Certifier c : List.of(Certifier.builder().build(), EXACT)) {
                // -tiny and +2: straddles although the double sees 0 and +2
                Certificate up = c.run(f, new double[][] {{third}, {1.0}}, null);
                assertThat(up.certified()).isFalse();
                assertThat(up.firstViolation().layer()).isEqualTo(1);
                assertThat(up.firstViolation().unit()).isEqualTo(0);
                assertThat(up.firstViolation().min()).isEqualTo(-0x1p-54);
                assertThat(up.firstViolation().max()).isEqualTo(2.0);
                // -tiny and -1: certified on the negative side
                assertThat(c.run(f, new double[][] {{third}, {0.0}}, null).certified()).isTrue();
                // +tiny and -1: straddles although the double sees 0 and -1
                Certificate down = c.run(f, new double[][] {{thirdUp}, {0.0}}, null);
                assertThat(down.certified()).isFalse();
                assertThat(down.firstViolation()).isEqualTo(new Violation(1, 0, -1.0, 0x1p-53));
                // +tiny and +2: certified on the positive side
                assertThat(c.run(f, new double[][] {{thirdUp}, {1.0}}, null).certified()).isTrue();
            }
        }
    }

    /**
     * The brief's example: w = 0.1f, v = 1/3.0 and a float bias nearest to -(w v); the exact
     * pre-activation is a tiny nonzero number whose sign only exact arithmetic knows. A second
     * vertex on the other side must be detected as a straddle, a second vertex on the same side
     * must not.
     */
    @Test
    void tinyNonzeroPreActivationFromFloatBiasIsSignedExactly() {
        float w = 0.1f;
        double v = 1 / 3.0;
        float bias = (float) -((double) w * v);
        BigDecimal exact = new BigDecimal(w).multiply(new BigDecimal(v)).add(new BigDecimal(bias));
        int sign = exact.signum();
        assertThat(sign).isNotZero();
        assertThat(exact.abs().doubleValue()).isLessThan(1e-8);
        // a vertex far on the other side, and one far on the same side
        double other = sign > 0 ? -1.0 : 1.0;
        double same = sign > 0 ? 1.0 : -1.0;
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.abs())) {
            FoldedNetwork f = net(act, layer(new float[][] {{1f}}, new float[] {0f}),
                    layer(new float[][] {{w}}, new float[] {bias}));
            for (Certifier c : List.of(Certifier.builder().build(), EXACT)) {
                Certificate straddle = c.run(f, new double[][] {{v}, {other}}, null);
                assertThat(straddle.certified()).isFalse();
                Violation vi = straddle.firstViolation();
                assertThat(vi.layer()).isZero();
                double reported = sign > 0 ? vi.max() : vi.min();
                if (c == EXACT) {
                    // the exact value, correctly rounded
                    assertThat(reported).isEqualTo(exact.doubleValue());
                } else {
                    // the double evaluation, within its proved bound (a few ulps of 0.033)
                    assertThat(reported).isCloseTo(exact.doubleValue(),
                            org.assertj.core.data.Offset.offset(1e-17));
                }
                Certificate ok = c.run(f, new double[][] {{v}, {same}}, null);
                assertThat(ok.certified()).isTrue();
            }
        }
    }

    @Test
    void noHiddenLayersIsAlwaysAffine() {
        FoldedNetwork f = FoldedNetwork.mlp(List.of(),
                layer(new float[][] {{1f, 2f}, {3f, 4f}}, new float[] {5f, 6f}), Cpa.relu());
        Certificate cert = Certifier.certify(f, new double[][] {{0, 0}, {1, 0}, {0, 1}},
                new double[][] {{0.2, 0.3}});
        assertThat(cert.certified()).isTrue();
        assertThat(cert.hiddenLayers()).isZero();
        assertThat(cert.unitsChecked()).isZero();
        assertThat(cert.a()).isEqualTo(new double[][] {{1, 2}, {3, 4}});
        assertThat(cert.b()).isEqualTo(new double[] {5, 6});
        assertThat(cert.interiorDeviation()).isZero();
    }

    @Test
    void summaryPrintsSmallMapsInFullAndLargeOnesByShape() {
        Certificate small = Certifier.certify(shiftedUnit(Cpa.abs()), new double[][] {{1}, {2}},
                new double[][] {{1.5}});
        assertThat(small.certified()).isTrue();
        assertThat(small.summary()).startsWith("CERTIFIED")
                .contains("A is 1 x 1", "y0 = 2.00000*x0 + 0.00000", "1 interior points");
        FoldedNetwork wide = FoldedNetwork.mlp(List.of(),
                layer(new float[17][1], new float[17]), Cpa.relu());
        Certificate large = Certifier.certify(wide, new double[][] {{0}}, null);
        assertThat(large.summary()).contains("A is 17 x 1", "too large to print",
                "no interior points");
    }

    @Test
    void certificateIsJsonFriendly() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Certificate refused = Certifier.certify(shiftedUnit(Cpa.relu()),
                new double[][] {{0}, {1}}, new double[][] {{0.5}});
        JsonNode node = json.readTree(json.writeValueAsString(refused));
        assertThat(node.get("certified").asBoolean()).isFalse();
        assertThat(node.get("firstViolation").get("unit").asInt()).isZero();
        assertThat(node.get("firstViolation").get("min").asDouble()).isEqualTo(-0.5);
        assertThat(node.get("a").get(0).get(0).asDouble()).isEqualTo(2.0);
        assertThat(node.get("interiorPoints").asInt()).isEqualTo(1);
        // the map view holds the same content
        JsonNode viaMap = json.readTree(json.writeValueAsString(refused.toMap()));
        assertThat(viaMap).isEqualTo(node);
        Map<String, Object> m = Certifier.certify(shiftedUnit(Cpa.relu()),
                new double[][] {{1}, {2}}, null).toMap();
        assertThat(m).containsEntry("certified", true).containsEntry("firstViolation", null);
        // and round-trips as a record
        Certificate back = json.readValue(json.writeValueAsString(refused), Certificate.class);
        assertThat(back).isEqualTo(refused);
    }

    @Test
    void badInputIsRefusedNamingArgumentValueAndExpectation() {
        FoldedNetwork f = shiftedUnit(Cpa.relu());
        assertThatThrownBy(() -> Certifier.certify(f, new double[0][], null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vertices").hasMessageContaining("0 points")
                .hasMessageContaining("expected at least one");
        assertThatThrownBy(() -> Certifier.certify(f, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vertices");
        assertThatThrownBy(() -> Certifier.certify(f, new double[][] {{0}, {1, 2}}, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vertices[1]").hasMessageContaining("dimension 2")
                .hasMessageContaining("expected the network's input dimension 1");
        assertThatThrownBy(() -> Certifier.certify(f, new double[][] {{Double.NaN}}, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vertices[0][0]").hasMessageContaining("NaN")
                .hasMessageContaining("expected a finite coordinate");
        double[][] infinite = {{0}, {Double.NEGATIVE_INFINITY}};
        assertThatThrownBy(() -> Certifier.certify(f, infinite, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vertices[1][0]").hasMessageContaining("-Infinity");
        double[][] flat = {{0, 1}};
        assertThatThrownBy(() -> Certifier.certify(f, new double[][] {{0}}, flat))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interiorPoints[0]").hasMessageContaining("dimension 2");
        assertThatThrownBy(() -> Certifier.certify(f, new double[][] {{0}},
                        new double[][] {{Double.POSITIVE_INFINITY}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interiorPoints[0][0]").hasMessageContaining("Infinity");
        assertThatThrownBy(() -> Certifier.certify(null, new double[][] {{0}}, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("net");
        FoldedNetwork nan = net(Cpa.relu(), layer(new float[][] {{1f}}, new float[] {0f}),
                layer(new float[][] {{Float.NaN}}, new float[] {0f}));
        assertThatThrownBy(() -> Certifier.certify(nan, new double[][] {{0}}, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 0 (Dense) weight[0][0] is NaN")
                .hasMessageContaining("expected a finite float");
    }
}
