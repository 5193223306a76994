package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.numeric.Rounding;
import org.police4j.network.Layer.Dense;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;

/**
 * The double fast path must agree with the pure exact path, in particular when pre-activations
 * are exactly 0, which the fast path can never decide and must hand to the exact path.
 */
class FastPathTest {

    private static final Certifier FAST = Certifier.builder().build();
    private static final Certifier EXACT = Certifier.builder().optFastPath(false).build();

    /**
     * A network on dyadic vertices (multiples of 1/8) with dyadic weights (multiples of 1/16) and
     * dyadic slopes and kinks, so that every double evaluation is exact. In each unit, with probability
     * {@code planted}, the bias is set so that one vertex lands exactly on a kink: the vertex with the
     * smallest (or largest) value when {@code extreme} (the others then stay on one side), a
     * random vertex otherwise.
     *
     * @return the network, with the number of planted zeros in {@code count[0]}
     */
    static FoldedNetwork plantedZeros(Random rnd, Cpa act, double[][] vertices, int[] widths,
            double planted, boolean extreme, int[] count) {
        int d = vertices[0].length;
        List<Dense> hidden = new ArrayList<>();
        double[][] z = new double[vertices.length][];
        for (int i = 0; i < vertices.length; i++) {
            z[i] = vertices[i].clone();
        }
        int in = d;
        for (int width : widths) {
            float[][] w = new float[width][in];
            float[] b = new float[width];
            double[][] next = new double[vertices.length][width];
            for (int k = 0; k < width; k++) {
                for (int j = 0; j < in; j++) {
                    w[k][j] = (rnd.nextInt(17) - 8) / 16f;
                }
                double[] lin = new double[vertices.length];
                int argMin = 0;
                int argMax = 0;
                for (int i = 0; i < vertices.length; i++) {
                    for (int j = 0; j < in; j++) {
                        lin[i] += w[k][j] * z[i][j]; // exact: few bits
                    }
                    argMin = lin[i] < lin[argMin] ? i : argMin;
                    argMax = lin[i] > lin[argMax] ? i : argMax;
                }
                b[k] = (rnd.nextInt(17) - 8) / 16f;
                if (rnd.nextDouble() < planted) {
                    int at = extreme ? (rnd.nextBoolean() ? argMin : argMax)
                            : rnd.nextInt(vertices.length);
                    double kink = act.kink(rnd.nextInt(act.kinkCount())); // 0 for the one-kink families
                    float bias = (float) (kink - lin[at]);
                    if (bias == kink - lin[at]) {
                        b[k] = bias;
                        count[0]++;
                    }
                }
                for (int i = 0; i < vertices.length; i++) {
                    next[i][k] = act.apply(lin[i] + b[k]);
                }
            }
            hidden.add(new Dense(w, b));
            z = next;
            in = width;
        }
        float[][] hw = new float[2][in];
        float[] hb = {0.5f, -0.25f};
        for (float[] row : hw) {
            for (int j = 0; j < in; j++) {
                row[j] = (rnd.nextInt(17) - 8) / 16f;
            }
        }
        return FoldedNetwork.mlp(hidden, new Dense(hw, hb), act);
    }

    static double[][] dyadicPoints(Random rnd, int p, int d) {
        double[][] v = new double[p][d];
        for (double[] row : v) {
            for (int j = 0; j < d; j++) {
                row[j] = (rnd.nextInt(17) - 8) / 8.0;
            }
        }
        return v;
    }

    @Test
    void fastPathAgreesWithExactPathOnExactZeros() {
        Random rnd = new Random(2023);
        int planted = 0;
        int fellBack = 0;
        int certified = 0;
        int refused = 0;
        for (int trial = 0; trial < 60; trial++) {
            for (Cpa act : List.of(Cpa.relu(), Cpa.abs(), Cpa.leakyRelu(0.125), Cpa.relu6(), Cpa.hardTanh(), DYADIC)) {
                int d = 1 + rnd.nextInt(3);
                double[][] vertices = dyadicPoints(rnd, 1 + rnd.nextInt(6), d);
                int[] widths = new int[1 + rnd.nextInt(3)];
                for (int l = 0; l < widths.length; l++) {
                    widths[l] = 1 + rnd.nextInt(6);
                }
                int[] count = new int[1];
                boolean extreme = trial % 2 == 0;
                FoldedNetwork net =
                        plantedZeros(rnd, act, vertices, widths, 0.6, extreme, count);
                double[][] inside = Nets.convexCombinations(rnd, vertices, 5);
                Certifier.Analysis fast = FAST.analyze(net, vertices, inside);
                Certifier.Analysis exact = EXACT.analyze(net, vertices, inside);
                Checks.sameAsExact(fast, exact, act);
                planted += count[0];
                fellBack += fast.exactVertices;
                if (fast.certificate.certified()) {
                    certified++;
                    // a piecewise activation is evaluated in float32 (Cpa.apply, as the engine does)
                    double tolerance = act.kind() == Cpa.Kind.PIECEWISE ? 1e-6 : 1e-9;
                    Checks.reproduces(fast.certificate, net, vertices, tolerance);
                    Checks.reproduces(fast.certificate, net, inside, tolerance);
                } else {
                    refused++;
                }
            }
        }
        assertThat(planted).isGreaterThan(100);
        assertThat(fellBack).isGreaterThan(50);
        assertThat(certified).isGreaterThan(10);
        assertThat(refused).isGreaterThan(10);
    }

    @Test
    void fastPathDecidesClearCasesWithoutFallingBack() {
        Random rnd = new Random(7);
        double[][] vertices = Nets.randomPoints(rnd, 10, 3);
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.abs())) {
            FoldedNetwork net = Nets.policed(rnd,
                    Nets.randomNet(rnd, act, 3, new int[] {32, 32, 32}, 2), vertices, 0.7);
            Certifier.Analysis fast = FAST.analyze(net, vertices, null);
            assertThat(fast.exactVertices).isZero();
            assertThat(fast.certificate.certified()).isTrue();
            Certifier.Analysis exact = EXACT.analyze(net, vertices, null);
            assertThat(exact.exactVertices).isEqualTo(10);
            Checks.sameAsExact(fast, exact);
        }
    }

    /**
     * Activations with several kinks are decided by the bound too, unit by unit against every
     * kink: at random points (none within rounding of a kink) the rigorous pass alone gives the
     * exact pattern's position codes, without exact arithmetic.
     */
    @Test
    void severalKinksAreDecidedWithoutExactArithmetic() {
        Random rnd = new Random(31);
        for (Cpa act : List.of(Cpa.relu6(), Cpa.hardTanh(), DYADIC, Cpa.piecewise(new double[] {-0.3f, 0.1f, 0.7f, 1.9f},
                new double[] {0.2f, -1.1f, 1.3f, 0.45f, -0.05f}, 0.37f))) {
            for (int trial = 0; trial < 5; trial++) {
                int d = 2 + rnd.nextInt(4);
                FoldedNetwork net = Nets.randomNet(rnd, act, d, new int[] {16, 24, 16, 12}, 3);
                org.police4j.network.BoundedEval bounded = new org.police4j.network.BoundedEval(net);
                org.police4j.network.ExactEval exact = new org.police4j.network.ExactEval(net);
                for (double[] x : Nets.randomPoints(rnd, 6, d)) {
                    for (int j = 0; j < d; j++) {
                        x[j] *= 4; // reach the outer pieces
                    }
                    org.police4j.network.Pattern fast = bounded.pattern(x);
                    org.police4j.network.Pattern truth = exact.pattern(x);
                    assertThat(fast).as("%s: decided by the bound alone", act).isNotNull();
                    assertThat(fast.exact).isFalse();
                    assertThat(fast.sign).as("%s: position codes", act).isDeepEqualTo(truth.sign);
                    for (int l = 0; l < fast.pre.length; l++) {
                        for (int u = 0; u < fast.pre[l].length; u++) {
                            assertThat(fast.pre[l][u]).isCloseTo(truth.pre[l][u],
                                    org.assertj.core.data.Offset.offset(1e-12 * (1 + Math.abs(truth.pre[l][u]))));
                        }
                    }
                    java.util.Set<Integer> pieces = new java.util.HashSet<>();
                    for (byte[] layer : fast.sign) {
                        for (byte code : layer) {
                            pieces.add((int) code);
                        }
                    }
                    assertThat(pieces).as("%s: more than one piece met", act).hasSizeGreaterThan(1);
                }
            }
        }
    }

    /** Dyadic kinks and slopes (three kinks), so that the planted networks evaluate exactly. */
    private static final Cpa DYADIC = Cpa.piecewise(new double[] {-1, 0.5, 2}, new double[] {0.25, 1, -0.5, 0.125}, 0);

    @Test
    void gammaIsTheStandardConstantRoundedUp() {
        double u = 0x1p-53;
        for (int n : new int[] {1, 2, 257, 1 << 20}) {
            assertThat(Rounding.gamma(n)).isGreaterThanOrEqualTo(n * u / (1 - n * u));
            assertThat(Rounding.gamma(n)).isLessThan(1.01 * n * u / (1 - n * u));
        }
    }
}
