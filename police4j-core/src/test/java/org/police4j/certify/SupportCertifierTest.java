package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.police4j.network.ExactEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer.Dense;
import org.police4j.network.Pattern;
import org.police4j.engine.Cpa;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.SupportRegion;
import org.police4j.region.Zonotope;

/**
 * The support certificate: agreement with the exact vertex certificate in low dimension,
 * soundness at the edge of the kink, and the 784-D cases with timings.
 */
class SupportCertifierTest {

    private static final List<Cpa> ACTIVATIONS = List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.abs());

    // -------------------------------------------------------------------------------------------
    // Helpers

    /**
     * Regions whose vertices ({@code toVertexRegion}) are computed without rounding: centre in
     * [0.5, 0.875) on a 2^-21 grid, box radii and l1 radius 2^-3 or 2^-4, zonotope generators on
     * a 2^-10 grid with |G u|_inf &lt; 0.375. So the vertex certificate decides the real region.
     */
    static SupportRegion region(Random rnd, int kind, int d) {
        double[] m = new double[d];
        for (int j = 0; j < d; j++) {
            m[j] = 0.5 + Math.floor(rnd.nextDouble() * 0x1p18) * 0x1p-20 * 1.5;
        }
        switch (kind) {
            case 0: {
                double[] r = new double[d];
                for (int j = 0; j < d; j++) {
                    r[j] = rnd.nextBoolean() ? 0x1p-3 : 0x1p-4;
                }
                return Box.of(m, r);
            }
            case 1:
                return L1Ball.of(m, rnd.nextBoolean() ? 0x1p-3 : 0x1p-4);
            default: {
                int g = d + rnd.nextInt(3);
                double[][] gen = new double[d][g];
                for (double[] row : gen) {
                    for (int t = 0; t < g; t++) {
                        row[t] = Math.round((2 * rnd.nextDouble() - 1) * 0.35 / g * 1024) / 1024.0;
                    }
                }
                return Zonotope.of(m, gen);
            }
        }
    }

    /** The double map z(x) = az + Az (x - m) of a layer's output (tests only, not rigorous). */
    private static final class Map {
        double[][] a; // rows x D, null for the identity (input layer)
        double[] off;

        Map(double[][] a, double[] off) {
            this.a = a;
            this.off = off;
        }
    }

    /** The linear part {@code W Az} (W float, out x n; Az n x D or null for identity). */
    static double[][] times(float[][] w, double[][] az, int d) {
        double[][] out = new double[w.length][];
        IntStream.range(0, w.length)
                .parallel()
                .forEach(
                        i -> {
                            double[] c = new double[d];
                            if (az == null) {
                                for (int j = 0; j < d; j++) {
                                    c[j] = w[i][j];
                                }
                            } else {
                                for (int k = 0; k < az.length; k++) {
                                    double wk = w[i][k];
                                    if (wk == 0) {
                                        continue;
                                    }
                                    double[] ak = az[k];
                                    for (int j = 0; j < d; j++) {
                                        c[j] += wk * ak[j];
                                    }
                                }
                            }
                            out[i] = c;
                        });
        return out;
    }

    /**
     * A copy of the network whose hidden biases are set, layer by layer, so that every unit's
     * range over the region (computed in double from the tracked map and the region's support)
     * sits at least {@code margin} away from 0, on the positive side with probability
     * {@code positive}; except unit {@code (sLayer, sUnit)}, whose bias is put in the middle of
     * its range (a clear straddle). Returns null when that unit's range is narrower than 1e-3.
     */
    static FoldedNetwork sided(
            Random rnd,
            FoldedNetwork net,
            SupportRegion region,
            double margin,
            double positive,
            int sLayer,
            int sUnit) {
        int d = region.dimension();
        Cpa act = net.activation();
        Map z = new Map(null, region.center());
        List<Dense> hidden = new ArrayList<>();
        for (int l = 0; l < net.hidden().size(); l++) {
            Dense layer = net.hidden().get(l);
            float[][] w = layer.weight();
            double[][] lin = times(w, z.a, d);
            float[] b = new float[w.length];
            double[] off = new double[w.length];
            double[][] a = new double[w.length][];
            for (int k = 0; k < w.length; k++) {
                double c = 0;
                for (int j = 0; j < z.off.length; j++) {
                    c += w[k][j] * z.off[j];
                }
                double hw = region.halfWidth(lin[k]);
                double lo = c - hw;
                double hi = c + hw;
                int side;
                if (l == sLayer && k == sUnit) {
                    if (hw < 1e-3) {
                        return null;
                    }
                    b[k] = (float) (-c);
                    side = 1;
                } else if (rnd.nextDouble() < positive) {
                    double want = -lo + margin;
                    b[k] = (float) want;
                    if (b[k] < want) {
                        b[k] = Math.nextUp(b[k]);
                    }
                    side = 1;
                } else {
                    double want = -hi - margin;
                    b[k] = (float) want;
                    if (b[k] > want) {
                        b[k] = Math.nextDown(b[k]);
                    }
                    side = -1;
                }
                double s = act.slope(side);
                off[k] = s * (c + b[k]);
                a[k] = lin[k];
                for (int j = 0; j < d; j++) {
                    a[k][j] *= s;
                }
            }
            hidden.add(new Dense(w, b));
            z = new Map(a, off);
        }
        return FoldedNetwork.mlp(hidden, net.head(), act);
    }

    static FoldedNetwork sided(Random rnd, FoldedNetwork net, SupportRegion region) {
        return sided(rnd, net, region, 1e-3, 0.6, -1, -1);
    }

    static int[] widths(Random rnd) {
        int depth = 1 + rnd.nextInt(3);
        int[] w = new int[depth];
        for (int l = 0; l < depth; l++) {
            w[l] = 4 + rnd.nextInt(13);
        }
        return w;
    }

    static void assertMapsAgree(Certificate support, Certificate exact) {
        double[][] as = support.a();
        double[][] ae = exact.a();
        double[] bs = support.b();
        double[] be = exact.b();
        assertThat(as.length).isEqualTo(ae.length);
        for (int k = 0; k < ae.length; k++) {
            for (int j = 0; j < ae[k].length; j++) {
                assertThat(Math.abs(as[k][j] - ae[k][j]))
                        .as("A[%d][%d]", k, j)
                        .isLessThanOrEqualTo(1e-9 * (1 + Math.abs(ae[k][j])));
            }
            assertThat(Math.abs(bs[k] - be[k]))
                    .as("b[%d]", k)
                    .isLessThanOrEqualTo(1e-9 * (1 + Math.abs(be[k])));
        }
    }

    static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    // -------------------------------------------------------------------------------------------
    // Agreement with the exact vertex certificate

    @Test
    void agreesWithTheVertexCertificateOnSidedNetworks() {
        Random rnd = new Random(20230101);
        int cases = 0;
        for (Cpa act : ACTIVATIONS) {
            for (int kind = 0; kind < 3; kind++) {
                for (int rep = 0; rep < 8; rep++) {
                    int d = 2 + rnd.nextInt(3);
                    SupportRegion region = region(rnd, kind, d);
                    FoldedNetwork net =
                            sided(rnd, Nets.randomNet(rnd, act, d, widths(rnd), 1 + rnd.nextInt(3)),
                                    region);
                    double[][] inside = region.sample(20, new Random(rep));
                    SupportCertifier.Result res = SupportCertifier.analyze(net, region, inside);
                    Certificate s = res.certificate();
                    Certificate e =
                            Certifier.certify(net, region.toVertexRegion(4096).vertices(), inside);
                    assertThat(e.certified()).as("exact, %s %s", act.id(), region).isTrue();
                    assertThat(s.certified()).as("support, %s %s", act.id(), region).isTrue();
                    assertThat(s.hiddenLayers()).isEqualTo(e.hiddenLayers());
                    assertThat(s.unitsChecked()).isEqualTo(e.unitsChecked());
                    assertMapsAgree(s, e);
                    assertThat(res.mapUncertainty()).isLessThan(1e-12);
                    assertThat(s.interiorDeviation()).isLessThan(1e-9);
                    assertThat(s.vertexDeviation()).isLessThan(1e-9);
                    assertThat(s.interiorPoints()).isEqualTo(20);
                    cases++;
                }
            }
        }
        assertThat(cases).isEqualTo(72);
    }

    @Test
    void bothRefuseAStraddlingUnitAndNameTheSameOne() {
        Random rnd = new Random(77);
        int cases = 0;
        for (Cpa act : ACTIVATIONS) {
            for (int kind = 0; kind < 3; kind++) {
                for (int rep = 0; rep < 6; rep++) {
                    int d = 2 + rnd.nextInt(3);
                    SupportRegion region = region(rnd, kind, d);
                    int[] widths = widths(rnd);
                    FoldedNetwork base = Nets.randomNet(rnd, act, d, widths, 2);
                    int layer = rnd.nextInt(widths.length);
                    FoldedNetwork net = null;
                    int unit = -1;
                    for (int attempt = 0; attempt < 20 && net == null; attempt++) {
                        unit = rnd.nextInt(widths[layer]);
                        net = sided(new Random(attempt), base, region, 1e-3, 0.8, layer, unit);
                    }
                    assertThat(net).isNotNull();
                    Certificate s = SupportCertifier.certify(net, region, null);
                    Certificate e =
                            Certifier.certify(net, region.toVertexRegion(4096).vertices(), null);
                    assertThat(e.certified()).isFalse();
                    assertThat(s.certified()).isFalse();
                    Violation vs = s.firstViolation();
                    Violation ve = e.firstViolation();
                    assertThat(vs.layer()).isEqualTo(layer).isEqualTo(ve.layer());
                    assertThat(vs.unit()).isEqualTo(unit).isEqualTo(ve.unit());
                    // sound bounds enclose the true range, and are tight
                    assertThat(vs.min()).isLessThanOrEqualTo(ve.min());
                    assertThat(vs.max()).isGreaterThanOrEqualTo(ve.max());
                    assertThat(vs.min()).isCloseTo(ve.min(), org.assertj.core.data.Offset.offset(1e-9));
                    assertThat(vs.max()).isCloseTo(ve.max(), org.assertj.core.data.Offset.offset(1e-9));
                    assertThat(s.offendingUnits()).isEqualTo(1);
                    assertThat(s.hiddenLayers()).isEqualTo(layer + 1);
                    cases++;
                }
            }
        }
        assertThat(cases).isEqualTo(54);
    }

    // -------------------------------------------------------------------------------------------
    // Soundness at the edge of the kink

    /** The exact range [min, max] of unit k of the first layer over the box m +/- r. */
    static BigDecimal[] exactFirstLayerRange(float[] w, float b, double[] m, double[] r) {
        BigDecimal c = new BigDecimal(b);
        BigDecimal h = BigDecimal.ZERO;
        for (int j = 0; j < m.length; j++) {
            BigDecimal wj = new BigDecimal(w[j]);
            c = c.add(wj.multiply(new BigDecimal(m[j])));
            h = h.add(wj.abs().multiply(new BigDecimal(r[j])));
        }
        return new BigDecimal[] {c.subtract(h), c.add(h)};
    }

    /**
     * A 784-D box and a network whose unit 0 of the first layer has its range's end at
     * {@code target} (exactly, within 10% relative): the low end if {@code low}, else the high
     * end; the centre's coordinate 0 is moved by a tiny amount to get there.
     */
    static Object[] edgeCase(Cpa act, double target, boolean low, long seed) {
        Random rnd = new Random(seed);
        int d = 784;
        double[] m = new double[d];
        for (int j = 0; j < d; j++) {
            m[j] = rnd.nextDouble();
        }
        Box box = Box.linf(m, 0.01);
        // one hidden layer: moving unit 0's bias does not disturb later layers' margins
        FoldedNetwork net = sided(rnd, Nets.randomNet(rnd, act, d, new int[] {32}, 3), box);
        Dense l0 = net.hidden().get(0);
        float[] b = l0.bias().clone();
        double[] r = box.radii();
        BigDecimal[] range = exactFirstLayerRange(l0.weight()[0], 0f, m, r);
        b[0] = (float) -(low ? range[0] : range[1]).doubleValue();
        List<Dense> hidden = new ArrayList<>(net.hidden());
        hidden.set(0, new Dense(l0.weight(), b));
        net = FoldedNetwork.mlp(hidden, net.head(), act);
        int j0 = 0;
        for (int j = 1; j < d; j++) {
            if (Math.abs(l0.weight()[0][j]) > Math.abs(l0.weight()[0][j0])) {
                j0 = j;
            }
        }
        float w0 = l0.weight()[0][j0];
        for (int it = 0; it < 6; it++) {
            range = exactFirstLayerRange(l0.weight()[0], b[0], m, r);
            double end = (low ? range[0] : range[1]).doubleValue();
            m[j0] += (target - end) / w0;
        }
        range = exactFirstLayerRange(l0.weight()[0], b[0], m, r);
        double end = (low ? range[0] : range[1]).doubleValue();
        assertThat(Math.abs(end - target)).isLessThan(0.1 * Math.abs(target));
        if (target < 0 == low) {
            // a true straddle: check it exactly
            assertThat(range[0].signum()).isNegative();
            assertThat(range[1].signum()).isPositive();
        } else {
            assertThat(low ? range[0].signum() : -range[1].signum()).isPositive();
        }
        return new Object[] {net, Box.linf(m, 0.01)};
    }

    @Test
    void aUnitStraddlingByATinyAmountIsNeverCertifiedIn784D() {
        for (Cpa act : ACTIVATIONS) {
            for (double eps : new double[] {1e-9, 1e-12, 1e-14}) {
                for (boolean low : new boolean[] {true, false}) {
                    Object[] c = edgeCase(act, low ? -eps : eps, low, 5 + (long) (eps * 1e15));
                    Certificate s =
                            SupportCertifier.certify((FoldedNetwork) c[0], (Box) c[1], null);
                    assertThat(s.certified())
                            .as("%s straddling by %g at the %s end", act.id(), eps,
                                    low ? "low" : "high")
                            .isFalse();
                    assertThat(s.firstViolation().layer()).isZero();
                    assertThat(s.firstViolation().unit()).isZero();
                }
            }
        }
    }

    @Test
    void aUnitClearOfTheKinkBy1e9IsCertifiedAnd1e12MayBe() {
        for (Cpa act : ACTIVATIONS) {
            for (boolean low : new boolean[] {true, false}) {
                Object[] c = edgeCase(act, low ? 1e-9 : -1e-9, low, 11);
                SupportCertifier.Result res =
                        SupportCertifier.analyze((FoldedNetwork) c[0], (Box) c[1], null);
                assertThat(res.certificate().certified()).as("%s clear by 1e-9", act.id()).isTrue();
                c = edgeCase(act, low ? 1e-12 : -1e-12, low, 12);
                Certificate near = SupportCertifier.certify((FoldedNetwork) c[0], (Box) c[1], null);
                System.out.printf(Locale.ROOT,
                        "[support cert] %s, clear by 1e-12 at the %s end: certified=%b%n",
                        act.id(), low ? "low" : "high", near.certified());
            }
        }
    }

    /** Min over the vertices of the exact pre-activation of (layer, unit), times side. */
    static double exactEnd(ExactEval exact, double[][] vertices, int layer, int unit, int side,
            int[] signs) {
        double worst = Double.POSITIVE_INFINITY;
        signs[0] = 0;
        signs[1] = 0;
        for (double[] v : vertices) {
            Pattern p = exact.pattern(v);
            worst = Math.min(worst, side * p.pre[layer][unit]);
            if (p.sign[layer][unit] > 0) {
                signs[1]++;
            } else if (p.sign[layer][unit] < 0) {
                signs[0]++;
            }
        }
        return worst;
    }

    /**
     * In a deeper layer (3-D box, exact vertices): a unit of the second hidden layer is brought
     * to straddle by about 1e-9 (found by bisection on the box's centre, decided exactly by
     * {@link ExactEval}); the support certificate must refuse it. Also a random sweep of
     * units ending within float rounding (~1e-8) of 0: certified by the support certificate
     * implies certified by the exact one.
     */
    @Test
    void deepUnitsAtTheEdgeAreNeverCertifiedWhenTheyStraddle() {
        int straddles = 0;
        int agreeSafe = 0;
        int safe = 0;
        for (Cpa act : ACTIVATIONS) {
            for (int rep = 0; rep < 12; rep++) {
                Random rnd = new Random(1000 + rep);
                int d = 3;
                Box box0 = (Box) region(rnd, 0, d);
                double[] r = box0.radii();
                FoldedNetwork net =
                        sided(rnd, Nets.randomNet(rnd, act, d, new int[] {8, 8}, 2), box0, 1e-3,
                                0.7, -1, -1);
                int unit = rnd.nextInt(8);
                int side = rnd.nextBoolean() ? 1 : -1;
                // put the unit's chosen end near 0 (float rounding of the bias: ~1e-8)
                ExactEval exact = new ExactEval(net);
                int[] signs = new int[2];
                double[][] v0 = box0.toVertexRegion(64).vertices();
                double end = exactEnd(exact, v0, 1, unit, side, signs);
                Dense l1 = net.hidden().get(1);
                float[] b = l1.bias().clone();
                b[unit] = (float) (b[unit] - side * end);
                List<Dense> hidden = new ArrayList<>(net.hidden());
                hidden.set(1, new Dense(l1.weight(), b));
                net = FoldedNetwork.mlp(hidden, net.head(), act);
                exact = new ExactEval(net);

                // sweep: whatever the float rounding gave
                Certificate s0 = SupportCertifier.certify(net, box0, null);
                Certificate e0 = Certifier.certify(net, v0, null);
                if (s0.certified()) {
                    assertThat(e0.certified()).as("soundness, %s rep %d", act.id(), rep).isTrue();
                }
                if (e0.certified()) {
                    safe++;
                    if (s0.certified()) {
                        agreeSafe++;
                    }
                }

                // bisection on the centre's coordinate 0 for an end at about -1e-9 (a straddle);
                // g(t) = end + 1e-9 is continuous (concave) in t
                double[] m0 = box0.center();
                double[] ts = {-1e-4, 0, 1e-4};
                double[] gs = new double[3];
                for (int i = 0; i < 3; i++) {
                    gs[i] = endAt(exact, m0, r, ts[i], unit, side, signs) + 1e-9;
                }
                double a;
                double bb;
                double ga;
                if (gs[0] * gs[1] <= 0) {
                    a = ts[0];
                    bb = ts[1];
                    ga = gs[0];
                } else if (gs[1] * gs[2] <= 0) {
                    a = ts[1];
                    bb = ts[2];
                    ga = gs[1];
                } else {
                    continue; // not bracketed (the unit barely moves): skip
                }
                double t = a;
                double f = ga - 1e-9;
                for (int it = 0; it < 200 && !(f >= -2e-9 && f <= -0.5e-9); it++) {
                    t = 0.5 * (a + bb);
                    f = endAt(exact, m0, r, t, unit, side, signs);
                    double g = f + 1e-9;
                    if (g * ga > 0) {
                        a = t;
                        ga = g;
                    } else {
                        bb = t;
                    }
                }
                assertThat(f).isBetween(-2e-9, -0.5e-9);
                endAt(exact, m0, r, t, unit, side, signs);
                assertThat(signs[0]).isPositive(); // exactly: some vertex below 0
                assertThat(signs[1]).isPositive(); // and some above
                double[] m = m0.clone();
                m[0] += t;
                Box box = Box.of(m, r);
                Certificate s = SupportCertifier.certify(net, box, null);
                assertThat(s.certified()).as("%s rep %d straddle %g", act.id(), rep, f).isFalse();
                Certificate e = Certifier.certify(net, box.toVertexRegion(64).vertices(), null);
                assertThat(e.certified()).isFalse();
                straddles++;
            }
        }
        System.out.printf(Locale.ROOT,
                "[support cert] deep edge: %d exact straddles ~1e-9 refused; float-rounding"
                        + " sweep: %d of %d truly safe cases certified%n",
                straddles, agreeSafe, safe);
        assertThat(straddles).isGreaterThan(20);
    }

    private static double endAt(ExactEval exact, double[] m0, double[] r, double t, int unit,
            int side, int[] signs) {
        double[] m = m0.clone();
        m[0] += t;
        // m in [0.5, 0.9], r in {2^-3, 2^-4}: the vertices m +/- r are exact
        return exactEnd(exact, Box.of(m, r).toVertexRegion(64).vertices(), 1, unit, side, signs);
    }

    // -------------------------------------------------------------------------------------------
    // High dimension

    static Box mnistBox(Random rnd) {
        double[] m = new double[784];
        for (int j = 0; j < m.length; j++) {
            m[j] = rnd.nextDouble();
        }
        return Box.linf(m, 0.01);
    }

    @Test
    void a784DimensionalBoxThrough256x256Certifies() {
        for (Cpa act : ACTIVATIONS) {
            Random rnd = new Random(784);
            Box box = mnistBox(rnd);
            FoldedNetwork net =
                    sided(rnd, Nets.randomNet(rnd, act, 784, new int[] {256, 256}, 10), box);
            double[][] inside = box.sample(100, new Random(1));
            long t0 = System.nanoTime();
            SupportCertifier.Result res = SupportCertifier.analyze(net, box, inside);
            double sec = seconds(t0);
            Certificate c = res.certificate();
            System.out.printf(Locale.ROOT,
                    "[support cert] 784 -> 256 -> 256 -> 10, %-10s %6.3f s certified=%b"
                            + " interiorDev=%.2e vertexDev=%.2e mapUncertainty=%.2e%n",
                    act.id(), sec, c.certified(), c.interiorDeviation(), c.vertexDeviation(),
                    res.mapUncertainty());
            assertThat(c.certified()).isTrue();
            assertThat(c.unitsChecked()).isEqualTo(512);
            assertThat(c.interiorDeviation()).isLessThan(1e-4);
            assertThat(c.vertexDeviation()).isLessThan(1e-4);
            assertThat(res.mapUncertainty()).isLessThan(1e-9);
            assertThat(c.a().length).isEqualTo(10);
            assertThat(c.a()[0].length).isEqualTo(784);
        }
    }

    @Test
    void a784DimensionalBoxThroughRandomBiasesIsRefusedInTheFirstLayer() {
        Random rnd = new Random(9);
        Box box = mnistBox(rnd);
        FoldedNetwork net = Nets.randomNet(rnd, Cpa.relu(), 784, new int[] {256, 256}, 10);
        Certificate c = SupportCertifier.certify(net, box, null);
        assertThat(c.certified()).isFalse();
        assertThat(c.hiddenLayers()).isEqualTo(1);
        assertThat(c.unitsChecked()).isEqualTo(256);
        assertThat(c.firstViolation().min()).isNegative();
        assertThat(c.firstViolation().max()).isPositive();
        assertThat(c.b()).hasSize(10);
    }

    @Test
    void timing784To1024To1024To10() {
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu())) {
            Random rnd = new Random(1024);
            Box box = mnistBox(rnd);
            FoldedNetwork net =
                    sided(rnd, Nets.randomNet(rnd, act, 784, new int[] {1024, 1024}, 10), box);
            double[][] inside = box.sample(10, new Random(2));
            long t0 = System.nanoTime();
            SupportCertifier.Result res = SupportCertifier.analyze(net, box, inside);
            double sec = seconds(t0);
            System.out.printf(Locale.ROOT,
                    "[support cert] 784 -> 1024 -> 1024 -> 10, %-10s %6.3f s certified=%b"
                            + " interiorDev=%.2e mapUncertainty=%.2e (%d cores)%n",
                    act.id(), sec, res.certificate().certified(),
                    res.certificate().interiorDeviation(), res.mapUncertainty(),
                    Runtime.getRuntime().availableProcessors());
            assertThat(res.certificate().certified()).isTrue(); // the time is printed, not asserted
        }
    }

    // -------------------------------------------------------------------------------------------
    // Small cases and bad input

    @Test
    void constantAndDeadUnitsAreExactlyZeroAndFine() {
        // unit 0: zero weights, zero bias (range exactly [0, 0]); unit 1: x0 + 2 > 0
        FoldedNetwork net =
                Nets.net(Cpa.abs(), new Dense(new float[][] {{1f, 3f}}, new float[] {0.5f}),
                        new Dense(new float[][] {{0f, 0f}, {1f, 0f}}, new float[] {0f, 2f}));
        Box box = Box.of(new double[] {0.25, -0.5}, new double[] {0.5, 0.5});
        Certificate c = SupportCertifier.certify(net, box, new double[][] {{0, 0}});
        assertThat(c.certified()).isTrue();
        // y = 1 * 0 + 3 * (x0 + 2) + 0.5 = 3 x0 + 6.5
        assertThat(c.a()).isEqualTo(new double[][] {{3, 0}});
        assertThat(c.b()).containsExactly(6.5);
        assertThat(c.interiorDeviation()).isZero();
    }

    @Test
    void noHiddenLayersIsTheHeadItself() {
        FoldedNetwork net =
                FoldedNetwork.mlp(List.of(), new Dense(new float[][] {{2f, -1f}},
                        new float[] {0.25f}), Cpa.relu());
        Certificate c = SupportCertifier.certify(net, L1Ball.of(new double[] {1, 1}, 0.5), null);
        assertThat(c.certified()).isTrue();
        assertThat(c.hiddenLayers()).isZero();
        assertThat(c.a()).isEqualTo(new double[][] {{2, -1}});
        assertThat(c.b()).containsExactly(0.25);
    }

    @Test
    void badInputIsRejectedWithNameValueAndExpectation() {
        FoldedNetwork net = Nets.randomNet(new Random(1), Cpa.relu(), 3, new int[] {4}, 2);
        Box box3 = Box.linf(new double[] {0, 0, 0}, 0.1);
        assertThatThrownBy(() -> SupportCertifier.certify(null, box3, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("net");
        assertThatThrownBy(() -> SupportCertifier.certify(net, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("region");
        assertThatThrownBy(
                        () -> SupportCertifier.certify(net, Box.linf(new double[] {0, 0}, 0.1), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("region")
                .hasMessageContaining("dimension 2")
                .hasMessageContaining("input dimension 3");
        assertThatThrownBy(
                        () -> SupportCertifier.certify(net, box3, new double[][] {{0, 0, 0}, {0, 0}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interiorPoints[1]")
                .hasMessageContaining("dimension 2")
                .hasMessageContaining("3");
        assertThatThrownBy(
                        () -> SupportCertifier.certify(net, box3,
                                new double[][] {{0, Double.NaN, 0}}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interiorPoints[0][1]")
                .hasMessageContaining("NaN")
                .hasMessageContaining("finite");
        float[][] w = {{Float.POSITIVE_INFINITY, 0, 0}};
        FoldedNetwork inf = Nets.net(Cpa.relu(), new Dense(new float[][] {{1f}}, new float[] {0}),
                new Dense(w, new float[] {0}));
        assertThatThrownBy(() -> SupportCertifier.certify(inf, box3, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 0 (Dense) weight[0][0]")
                .hasMessageContaining("Infinity");
    }
}
