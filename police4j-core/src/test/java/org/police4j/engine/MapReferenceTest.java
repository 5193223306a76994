package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.SupportRegion;
import org.police4j.region.Zonotope;

/**
 * The float64 reference's bound for a wide box or l1 ball (70 coordinates, beyond the axis
 * points) and a zonotope (five generators): through two dense layers (the first left on the
 * pieces given, its shift folded into its bias in float32) against engine maps off the exact ones by known amounts (at the centre
 * and in the directions), the bound covers {@code max_{x in R} |engine(x) - exact(x)|}, computed
 * exactly ({@code |f(c)| + sum_j r_j |df/dx_j|} on a box, {@code |f(c)| + rho max_j |df/dx_j|} on an
 * l1 ball, {@code |f(c)| + sum_k |g_k . grad f|} on a zonotope, f affine), and is that maximum
 * up to 1e-5 (the reference's own error is ~1e-16 of it).
 */
class MapReferenceTest {

    private static final int D = 70;
    private static final int K = 6;
    private static final MathContext EXACT = MathContext.UNLIMITED;

    @Test
    void boundCoversTheMapsErrorOverTheRegionAndIsTight() {
        Random rnd = new Random(5);
        for (double scale : new double[] {1e-3, 1, 1e3}) {
            double[] centre = new double[D];
            double[] radii = new double[D];
            for (int j = 0; j < D; j++) {
                centre[j] = scale * rnd.nextGaussian();
                radii[j] = j == 2 ? 0 : scale * (0.1 + rnd.nextDouble()); // a flat coordinate
            }
            check(Box.of(centre, radii), rnd, scale);
            check(L1Ball.of(centre, 0.7 * scale), rnd, scale);
            double[][] generators = new double[D][5];
            for (int j = 0; j < D; j++) {
                for (int k = 0; k < 5; k++) {
                    generators[j][k] = 0.1 * scale * rnd.nextGaussian();
                }
            }
            check(Zonotope.of(centre, generators), rnd, scale);
        }
    }

    private static void check(SupportRegion region, Random rnd, double scale) {
        Cpa activation = Cpa.leakyRelu();
        float[] w1 = gaussian(rnd, K * D, 1 / scale);
        float[] b1 = gaussian(rnd, K, 1);
        float[] w2 = gaussian(rnd, K * K, 1);
        float[] b2 = gaussian(rnd, K, 1);
        float[] shift = gaussian(rnd, K, 0.1);
        float[] sides = new float[K];
        for (int k = 0; k < K; k++) {
            sides[k] = k % 2 == 0 ? 1 : -1;
        }
        // the exact folded network's maps, the value at the centre and the directions (D x K)
        double[] c = region.center();
        BigDecimal[] x0 = new BigDecimal[D];
        BigDecimal[][] identity = new BigDecimal[D][D];
        for (int i = 0; i < D; i++) {
            x0[i] = new BigDecimal(c[i]);
            for (int j = 0; j < D; j++) {
                identity[i][j] = i == j ? BigDecimal.ONE : BigDecimal.ZERO;
            }
        }
        BigDecimal[][] m1 = dense(w1, new float[K], x0, identity, D);
        BigDecimal[][] m2in = new BigDecimal[D + 1][K]; // layer 1 left: fl(b1 + c1), then the piece
        float[] folded = FoldedParameters.shifted(b1, null, shift, null);
        for (int k = 0; k < K; k++) {
            BigDecimal slope = new BigDecimal(activation.slope((int) sides[k]));
            m2in[0][k] = m1[0][k].add(new BigDecimal(folded[k])).multiply(slope);
            for (int i = 0; i < D; i++) {
                m2in[i + 1][k] = m1[i + 1][k].multiply(slope);
            }
        }
        BigDecimal[][] exact1 = dense(w1, b1, x0, identity, D);
        BigDecimal[] z1 = m2in[0];
        BigDecimal[][] z1d = new BigDecimal[D][];
        System.arraycopy(m2in, 1, z1d, 0, D);
        BigDecimal[][] exact2 = dense(w2, b2, z1, z1d, K);
        try (NDManager manager = NDManager.newBaseManager()) {
            MapReference reference = new MapReference(region, manager, activation, region.magnitude());
            NDArray[] engine1 = perturbed(manager, exact1, rnd, 1e-3 * scale);
            double[] bound1 = reference.dense(0, manager.create(w1, new Shape(K, D)), manager.create(b1), pass(engine1), null);
            assertCovers(region, exact1, engine1, bound1, "layer 0, x" + scale);
            reference.leave(shift, null, sides, true);
            NDArray[] engine2 = perturbed(manager, exact2, rnd, 1e-3 * scale);
            double[] bound2 = reference.dense(1, manager.create(w2, new Shape(K, K)), manager.create(b2), pass(engine2), null);
            assertCovers(region, exact2, engine2, bound2, "layer 1, x" + scale);
        }
    }

    /**
     * A conv group (batch-norm folded, a max-pool of tiling or overlapping windows, leaky-ReLU)
     * through the float64 map and through the double-double {@link VertexReference} at the axis
     * points of a small box around a 1 x 6 x 6 input, both given the same shifts: the map's centre
     * is the reference's value at the centre (same pool winners, same pieces, same folded
     * biases) within 1e-12, its directions the reference's differences along each axis.
     */
    @Test
    void theMapThroughAPooledConvGroupIsTheFoldedNetworksAtTheAxisPoints() {
        for (int[] pooling : new int[][] {{2, 2}, {3, 2}}) {
            Random rnd = new Random(11 + pooling[0]);
            double[] centre = new double[36];
            for (int j = 0; j < centre.length; j++) {
                centre[j] = rnd.nextDouble();
            }
            Box box = Box.linf(centre, 1e-6);
            Stencil stencil = new Stencil(1, 6, 6, 4, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1);
            PoolWindows pool = new PoolWindows(4, 6, 6, pooling[0], pooling[0], pooling[1], pooling[1], 0, 0, false);
            float[] w = gaussian(rnd, 4 * 9, 1);
            float[] b = gaussian(rnd, 4, 1);
            float[] scale = gaussian(rnd, 4, 1);
            float[] offset = gaussian(rnd, 4, 1);
            float[] shift = gaussian(rnd, pool.outputs(), 0.1);
            Cpa activation = Cpa.leakyRelu();
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray weight = manager.create(w, new Shape(4, 1, 3, 3));
                NDArray bias = manager.create(b);
                NDArray s = manager.create(scale);
                NDArray t = manager.create(offset);
                // the engine's map before the pool: its values only choose the windows' winners here
                NDArray engineCentre = stencil.convolve(manager.create(toFloats(centre), new Shape(1, 36)), weight, bias)
                        .mul(s.reshape(1, 4, 1, 1)).add(t.reshape(1, 4, 1, 1));
                NDArray engineDirections = stencil.convolve(manager.eye(36), weight, null).mul(s.reshape(1, 4, 1, 1));
                NDArray poolShift = manager.zeros(new Shape(4, 6, 6));
                VertexReference points = new VertexReference(box.axisPoints(), activation);
                points.conv(0, stencil, weight, bias, s, t, pool, engineCentre, engineDirections);
                points.leave(shift, poolShift, null, true);
                MapReference map = new MapReference(box, manager, activation, box.magnitude());
                map.conv(0, stencil, weight, bias, s, t, pool, engineCentre, engineDirections);
                double[] atCentre = points.values(0);
                float[] sides = new float[atCentre.length];
                for (int u = 0; u < sides.length; u++) {
                    sides[u] = atCentre[u] > 0 ? 1 : -1;
                }
                map.leave(shift, poolShift, sides, true);
                double[] c = map.centre().toDoubleArray();
                double[] a = map.directions().toDoubleArray();
                for (int u = 0; u < c.length; u++) {
                    assertThat(c[u]).as("pool %s, unit %d at the centre", pooling[0], u)
                            .isCloseTo(atCentre[u], org.assertj.core.data.Offset.offset(1e-12 * (1 + Math.abs(atCentre[u]))));
                    for (int i = 0; i < 36; i++) {
                        double along = (points.values(i + 1)[u] - atCentre[u]) / box.axisPoints().steps()[i];
                        assertThat(a[i * c.length + u]).as("pool %s, unit %d, direction %d", pooling[0], u, i)
                                .isCloseTo(along, org.assertj.core.data.Offset.offset(1e-6 * (1 + Math.abs(along))));
                    }
                }
            }
        }
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** {value at the centre, directions (D rows)} of {@code b + W (z + Z^T (x - c))}, exactly. */
    private static BigDecimal[][] dense(float[] w, float[] b, BigDecimal[] z, BigDecimal[][] zd, int n) {
        BigDecimal[][] out = new BigDecimal[D + 1][K];
        for (int k = 0; k < K; k++) {
            BigDecimal v = new BigDecimal(b[k]);
            for (int j = 0; j < n; j++) {
                v = v.add(new BigDecimal(w[k * n + j]).multiply(z[j], EXACT));
            }
            out[0][k] = v;
            for (int i = 0; i < D; i++) {
                BigDecimal d = BigDecimal.ZERO;
                for (int j = 0; j < n; j++) {
                    d = d.add(new BigDecimal(w[k * n + j]).multiply(zd[i][j], EXACT));
                }
                out[i + 1][k] = d;
            }
        }
        return out;
    }

    /** The exact map rounded to float32 and moved by about {@code amount} in every entry. */
    private static NDArray[] perturbed(NDManager manager, BigDecimal[][] exact, Random rnd, double amount) {
        float[] a = new float[K];
        float[] at = new float[D * K];
        for (int k = 0; k < K; k++) {
            a[k] = (float) (exact[0][k].doubleValue() + amount * rnd.nextGaussian());
            for (int i = 0; i < D; i++) {
                at[i * K + k] = (float) (exact[i + 1][k].doubleValue() * (1 + 1e-3 * rnd.nextGaussian()));
            }
        }
        return new NDArray[] {manager.create(a, new Shape(1, K)), manager.create(at, new Shape(D, K))};
    }

    /** {@code max_R |f|} for the affine f = engine - exact, exactly, against the bound: covered, and tight. */
    private static void assertCovers(SupportRegion region, BigDecimal[][] exact, NDArray[] engine, double[] bound, String what) {
        float[] a = engine[0].toFloatArray();
        float[] at = engine[1].toFloatArray();
        for (int k = 0; k < K; k++) {
            BigDecimal atCentre = new BigDecimal(a[k]).subtract(exact[0][k]).abs();
            BigDecimal[] gradient = new BigDecimal[D]; // of f = engine - exact
            for (int i = 0; i < D; i++) {
                gradient[i] = new BigDecimal(at[i * K + k]).subtract(exact[i + 1][k]);
            }
            BigDecimal spread = halfWidth(region, gradient);
            BigDecimal worst = atCentre.add(spread);
            assertThat(new BigDecimal(bound[k])).as("%s, %s, unit %d", region.getClass().getSimpleName(), what, k)
                    .isGreaterThanOrEqualTo(worst);
            assertThat(worst.doubleValue()).as("tight: %s, unit %d", what, k).isGreaterThan(bound[k] * (1 - 1e-5));
        }
    }

    /** {@code max_{x in R} a.(x - c)}, exactly: the peak of an affine function over the region. */
    private static BigDecimal halfWidth(SupportRegion region, BigDecimal[] a) {
        BigDecimal w = BigDecimal.ZERO;
        if (region instanceof Box box) {
            for (int i = 0; i < D; i++) {
                w = w.add(a[i].abs().multiply(new BigDecimal(box.radii()[i])));
            }
        } else if (region instanceof L1Ball ball) {
            for (int i = 0; i < D; i++) {
                w = w.max(a[i].abs().multiply(new BigDecimal(ball.radius())));
            }
        } else {
            double[][] g = ((Zonotope) region).generators();
            for (int k = 0; k < g[0].length; k++) {
                BigDecimal dot = BigDecimal.ZERO;
                for (int i = 0; i < D; i++) {
                    dot = dot.add(a[i].multiply(new BigDecimal(g[i][k])));
                }
                w = w.add(dot.abs());
            }
        }
        return w;
    }

    /** An engine pass that has just entered a layer with the given map. */
    private static RegionPass pass(NDArray[] map) {
        return new RegionPass() {
            @Override
            public LayerRange enter(NDArray weight, NDArray bias) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void leave(NDArray shift, java.util.function.Supplier<NDArray> sides) {
                throw new UnsupportedOperationException();
            }

            @Override
            public double[] magnitudes(float[] shift) {
                throw new UnsupportedOperationException();
            }

            @Override
            public NDArray[] enteredMap() {
                return map;
            }

            @Override
            public void held(java.util.function.Consumer<NDArray> keep) {}

            @Override
            public NDArray shiftedVertexPreActivations() {
                return null;
            }

            @Override
            public NDArray vertexOutputs(NDArray headWeight, NDArray headBias) {
                return null;
            }
        };
    }

    private static float[] gaussian(Random rnd, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * rnd.nextGaussian());
        }
        return v;
    }
}
