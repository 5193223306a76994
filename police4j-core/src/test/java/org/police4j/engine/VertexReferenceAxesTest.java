package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.region.AxisPoints;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.SupportRegion;

/**
 * The reference's bound for a region carried as an affine map, measured at the region's axis
 * points: against an engine map off the exact one by known amounts (in its value at the centre
 * and in its directions), the bound covers {@code |engine(x) - exact(x)|} at every point where it
 * peaks (the corners of a box, the vertices of an l1 ball), computed exactly, and for a box it is
 * that maximum up to 1e-5 (the map's error is all of it; the reference's own is ~1e-30, the
 * rounding up 2e-6).
 */
class VertexReferenceAxesTest {

    private static final int K = 7;

    @Test
    void boundCoversTheMapsErrorOverTheRegionAndIsTightOnABox() {
        Random rnd = new Random(3);
        for (double scale : new double[] {1e-3, 1, 1e3}) {
            double[] centre = new double[5];
            double[] radii = new double[5];
            for (int j = 0; j < 5; j++) {
                centre[j] = scale * rnd.nextGaussian();
                radii[j] = j == 2 ? 0 : scale * (0.1 + rnd.nextDouble()); // a flat coordinate: no point
            }
            check(Box.of(centre, radii), K, rnd, scale, 1e-3, 1e-4, true);
            check(L1Ball.of(centre, 0.7 * scale), K, rnd, scale, 1e-3, 1e-4, false);
        }
    }

    /**
     * One dense layer of K units with random weights against an engine map off the exact one by
     * {@code relative} in its directions and {@code absolute} at the centre.
     */
    static void check(SupportRegion region, int units, Random rnd, double scale, double relative, double absolute,
            boolean tight) {
        int K = units;
        int D = region.dimension();
        AxisPoints axes = region.axisPoints();
        assertThat(axes).isNotNull();
        double[] c = region.center();
        float[] w = new float[K * D];
        float[] b = new float[K];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() / scale);
        }
        for (int k = 0; k < K; k++) {
            b[k] = (float) rnd.nextGaussian();
        }
        // the engine's map: the exact one rounded to float32, then moved by a known amount
        float[] a = new float[K];
        float[] at = new float[D * K];
        for (int k = 0; k < K; k++) {
            double v = b[k];
            for (int j = 0; j < D; j++) {
                v += (double) w[k * D + j] * c[j];
                at[j * K + k] = w[k * D + j] * (float) (1 + relative * rnd.nextGaussian());
            }
            a[k] = (float) (v + absolute * rnd.nextGaussian());
        }
        double[] bound;
        try (NDManager manager = NDManager.newBaseManager()) {
            VertexReference reference = new VertexReference(axes.points(), Cpa.relu());
            bound = reference.dense(manager.create(w, new Shape(K, D)), manager.create(b), axes,
                    manager.create(a, new Shape(1, K)), manager.create(at, new Shape(D, K)));
        }
        BigDecimal[][] peaks = region instanceof Box box ? corners(box, D) : vertices((L1Ball) region, D);
        for (int k = 0; k < K; k++) {
            BigDecimal worst = BigDecimal.ZERO;
            for (BigDecimal[] x : peaks) {
                BigDecimal exact = new BigDecimal(b[k]);
                BigDecimal engine = new BigDecimal(a[k]);
                for (int j = 0; j < D; j++) {
                    BigDecimal xj = x[j];
                    exact = exact.add(new BigDecimal(w[k * D + j]).multiply(xj));
                    engine = engine.add(new BigDecimal(at[j * K + k]).multiply(xj.subtract(new BigDecimal(c[j]))));
                }
                worst = worst.max(engine.subtract(exact).abs());
            }
            assertThat(new BigDecimal(bound[k])).as("%s x%s unit %d", region.getClass().getSimpleName(), scale, k)
                    .isGreaterThanOrEqualTo(worst);
            if (tight) {
                assertThat(worst.doubleValue()).as("tight, unit %d", k).isGreaterThan(bound[k] * (1 - 1e-5));
            }
        }
    }

    /** Every corner {@code c +/- r} of the box, exactly. */
    private static BigDecimal[][] corners(Box box, int D) {
        double[] c = box.center();
        double[] r = box.radii();
        BigDecimal[][] out = new BigDecimal[1 << D][D];
        for (int s = 0; s < out.length; s++) {
            for (int j = 0; j < D; j++) {
                out[s][j] = new BigDecimal(c[j]).add(new BigDecimal(((s >> j) & 1) == 0 ? -r[j] : r[j]));
            }
        }
        return out;
    }

    /** Every vertex {@code c +/- rho e_j} of the l1 ball, exactly. */
    private static BigDecimal[][] vertices(L1Ball ball, int D) {
        double[] c = ball.center();
        BigDecimal[][] out = new BigDecimal[2 * D][D];
        for (int v = 0; v < out.length; v++) {
            for (int j = 0; j < D; j++) {
                out[v][j] = new BigDecimal(c[j]);
            }
            BigDecimal rho = new BigDecimal(ball.radius());
            out[v][v / 2] = out[v][v / 2].add(v % 2 == 0 ? rho.negate() : rho);
        }
        return out;
    }
}
