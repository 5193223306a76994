package org.police4j.guarantee;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeSet;
import org.police4j.engine.Cpa;
import org.police4j.engine.ShiftEngine;
import org.police4j.engine.SignRule;
import org.police4j.engine.Strategy;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;

/**
 * One random case of the guarantee battery, drawn from a seed alone: a POLICEd network, its
 * region(s), its initial-weight scale, and a short AdamW run with the steps at which the network
 * is checked. The ranges are issue 13's: region scales 1e-6..1e4 and offsets up to 1e5, learning
 * rates up to 1, initial weights up to x1000, every sign rule, detached and exact shifts, vertex
 * regions (simplices, boxes as vertices, random polytopes with P = 1..64) and support regions
 * (box, l1 ball, zonotope), several regions, relu / leaky-ReLU / abs, D 1..12, depth 1..4, width
 * 1..64, 0..50 steps, the default margin or a small one. The property test and the long battery ({@code GuaranteeBattery} in
 * police4j-bench) share this one generator, so a seed reported by either reproduces in both.
 *
 * <p>The exact checks cost (points x multiply-adds per point) BigDecimal operations, so a case
 * whose regions have many points gets narrower layers (see {@link #MAX_EXACT_WORK}); every other
 * parameter is drawn independently.
 *
 * @param seed the seed this case was drawn from (also seeds the data and the initial weights)
 * @param d input dimension
 * @param hidden hidden widths
 * @param outputs number of outputs
 * @param activation the activation
 * @param rule the sign rule (MAJORITY only when every region lists vertices)
 * @param detached whether the shift is computed without gradient
 * @param strategy how the regions travel through the layers (AUTO in half the cases, else
 *     VERTEX_ROWS when every region lists vertices, or AFFINE_MAP)
 * @param margin the engine's margin: the default, or (a quarter of the cases) 1e-8..1e-2
 * @param regionKind what the regions are, for reports
 * @param extreme whether scale, offset, learning rate and initial-weight scale were each set to an
 *     end of their range (1e-6 or 1e4; 0 or 1e5 in every coordinate; 1; x1 or x1000), which a
 *     quarter of the cases are, so the hardest combinations are common
 * @param scale the size of the regions
 * @param offset the largest absolute coordinate of the regions' placement
 * @param regions the regions (one, or several for a multi-region network)
 * @param learningRate AdamW's learning rate
 * @param weightDecay AdamW's weight decay
 * @param batchSize rows per step, 0 for full batch
 * @param initScale factor applied to every initial weight and bias
 * @param kinksThrough whether about half the first layer's units start with their kink through a
 *     point of (or near) a region: the hardest place for the shift, and where trained units end up
 * @param steps AdamW steps
 * @param checkSteps the steps after which the network is checked (0: freshly initialised); always
 *     includes {@code steps}
 */
public record RandomCase(
        long seed,
        int d,
        int[] hidden,
        int outputs,
        Cpa activation,
        SignRule rule,
        boolean detached,
        Strategy strategy,
        double margin,
        String regionKind,
        boolean extreme,
        double scale,
        double offset,
        List<Region> regions,
        double learningRate,
        double weightDecay,
        int batchSize,
        double initScale,
        boolean kinksThrough,
        int steps,
        int[] checkSteps) {

    /** Upper bound on points x (sum of fan-in x width) per case, to keep exact checks quick. */
    public static final long MAX_EXACT_WORK = 300_000;

    /** The most AdamW steps of a case. */
    public static final int MAX_STEPS = 50;

    enum Kind {
        SIMPLEX,
        BOX_VERTICES,
        POLYTOPE,
        BOX,
        L1_BALL,
        ZONOTOPE
    }

    /** Draws the case of {@code seed}. */
    public static RandomCase draw(long seed) {
        Random rng = new Random(seed);
        int d = 1 + rng.nextInt(12);
        int depth = 1 + rng.nextInt(4);
        int[] hidden = new int[depth];
        for (int l = 0; l < depth; l++) {
            hidden[l] = logUniformInt(rng, 64);
        }
        int outputs = 1 + rng.nextInt(3);
        Cpa activation;
        switch (rng.nextInt(4)) {
            case 0:
                activation = Cpa.relu();
                break;
            case 1:
                activation = Cpa.abs();
                break;
            case 2:
                activation = Cpa.leakyRelu(0.2);
                break;
            default:
                activation = Cpa.leakyRelu();
        }
        boolean extreme = rng.nextInt(4) == 0;
        double scale = extreme
                ? (rng.nextBoolean() ? 1e4 : 1e-6)
                : Math.pow(10, -6 + 10 * rng.nextDouble());
        double offset = extreme
                ? (rng.nextBoolean() ? 1e5 : 0)
                : rng.nextInt(3) == 0 ? 0 : Math.pow(10, -1 + 6 * rng.nextDouble());
        int regionCount = rng.nextInt(7) == 0 ? 2 + rng.nextInt(2) : 1;
        List<Region> regions = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        for (int j = 0; j < regionCount; j++) {
            Kind kind = Kind.values()[rng.nextInt(Kind.values().length)];
            double[] placement = new double[d];
            for (int i = 0; i < d; i++) {
                placement[i] = offset * (extreme ? (rng.nextBoolean() ? 1 : -1) : 2 * rng.nextDouble() - 1);
            }
            Region r = region(kind, d, scale, placement, rng);
            regions.add(r);
            kinds.add(r instanceof VertexRegion v ? kind.name().toLowerCase(Locale.ROOT) + "(P=" + v.vertexCount() + ")"
                    : kind.name().toLowerCase(Locale.ROOT));
        }
        boolean allVertices = regions.stream().allMatch(r -> r instanceof VertexRegion);
        SignRule[] rules = allVertices ? SignRule.values()
                : new SignRule[] {SignRule.MINIMAL_SHIFT, SignRule.CENTER, SignRule.HYSTERESIS};
        SignRule rule = rules[rng.nextInt(rules.length)];
        boolean detached = rng.nextBoolean();
        int pick = rng.nextInt(4);
        Strategy strategy = pick == 0 && allVertices ? Strategy.VERTEX_ROWS : pick == 1 ? Strategy.AFFINE_MAP : Strategy.AUTO;
        double margin = rng.nextInt(4) == 0 ? Math.pow(10, -8 + 6 * rng.nextDouble()) : ShiftEngine.DEFAULT_MARGIN;
        double learningRate = extreme ? 1.0 : Math.pow(10, -4 + 4 * rng.nextDouble());
        double weightDecay = rng.nextBoolean() ? 0 : Math.pow(10, -4 + 2 * rng.nextDouble());
        int batchSize = rng.nextBoolean() ? 0 : 16;
        double initScale = extreme
                ? (rng.nextBoolean() ? 1000 : 1)
                : rng.nextInt(5) < 2 ? 1 : Math.pow(10, 3 * rng.nextDouble());
        boolean kinksThrough = rng.nextInt(3) == 0;
        int steps = rng.nextInt(MAX_STEPS + 1);
        TreeSet<Integer> checks = new TreeSet<>();
        checks.add(steps);
        if (rng.nextBoolean()) {
            checks.add(0);
        }
        int extra = steps == 0 ? 0 : rng.nextInt(3);
        for (int k = 0; k < extra; k++) {
            checks.add(1 + rng.nextInt(steps));
        }
        hidden = fitWork(hidden, d, points(regions));
        return new RandomCase(seed, d, hidden, outputs, activation, rule, detached, strategy, margin, String.join("+", kinds), extreme, scale,
                offset, List.copyOf(regions), learningRate, weightDecay, batchSize, initScale, kinksThrough, steps,
                checks.stream().mapToInt(Integer::intValue).toArray());
    }

    private static Region region(Kind kind, int d, double scale, double[] m, Random rng) {
        switch (kind) {
            case SIMPLEX:
                return VertexRegion.of("simplex", gaussianPoints(rng, d + 1, d, scale, m));
            case BOX_VERTICES:
                if (d <= 6) {
                    double[] lo = new double[d];
                    double[] hi = new double[d];
                    for (int i = 0; i < d; i++) {
                        double r = scale * (0.1 + rng.nextDouble());
                        lo[i] = m[i] - r;
                        hi[i] = m[i] + r;
                        if (!(lo[i] < hi[i])) { // a radius below the offset's ulp
                            hi[i] = Math.nextUp(lo[i]);
                        }
                    }
                    return Regions.box(lo, hi);
                }
                return VertexRegion.of("polytope", gaussianPoints(rng, 1 + rng.nextInt(64), d, scale, m));
            case POLYTOPE:
                return VertexRegion.of("polytope", gaussianPoints(rng, 1 + rng.nextInt(64), d, scale, m));
            case BOX:
                if (d <= 10) {
                    double[] r = new double[d];
                    for (int i = 0; i < d; i++) {
                        r[i] = scale * (0.1 + rng.nextDouble());
                    }
                    return Box.of(m, r);
                }
                return L1Ball.of(m, scale * (0.1 + rng.nextDouble()));
            case L1_BALL:
                return L1Ball.of(m, scale * (0.1 + rng.nextDouble()));
            default:
                int g = 1 + rng.nextInt(8);
                double[][] gen = new double[d][g];
                for (double[] row : gen) {
                    for (int k = 0; k < g; k++) {
                        row[k] = scale * rng.nextGaussian();
                    }
                }
                return Zonotope.of(m, gen);
        }
    }

    private static double[][] gaussianPoints(Random rng, int p, int d, double scale, double[] m) {
        double[][] v = new double[p][d];
        for (double[] row : v) {
            for (int i = 0; i < d; i++) {
                row[i] = m[i] + scale * rng.nextGaussian();
            }
        }
        return v;
    }

    /** 1..max, log-uniform, so narrow and wide layers are both common. */
    private static int logUniformInt(Random rng, int max) {
        return (int) Math.min(max, Math.floor(Math.exp(rng.nextDouble() * Math.log(max + 1))));
    }

    static int points(List<Region> regions) {
        int p = 0;
        for (Region r : regions) {
            if (r instanceof VertexRegion v) {
                p += v.vertexCount();
            } else if (r instanceof Box b) {
                p += 1 << b.dimension();
            } else if (r instanceof L1Ball b) {
                p += 2 * b.dimension();
            } else {
                p += 1 << ((Zonotope) r).generatorCount();
            }
        }
        return p;
    }

    private static int[] fitWork(int[] hidden, int d, int points) {
        int[] w = hidden.clone();
        while (points * work(w, d) > MAX_EXACT_WORK) {
            int widest = 0;
            for (int l = 1; l < w.length; l++) {
                if (w[l] > w[widest]) {
                    widest = l;
                }
            }
            if (w[widest] == 1) {
                break;
            }
            w[widest] = Math.max(1, w[widest] / 2);
        }
        return w;
    }

    private static long work(int[] widths, int d) {
        long s = 0;
        long in = d;
        for (int width : widths) {
            s += in * width;
            in = width;
        }
        return s;
    }

    /** Whether every region lists its vertices. */
    public boolean vertexRegionsOnly() {
        return regions.stream().allMatch(r -> r instanceof VertexRegion);
    }

    /** A one-line description that, with the seed, reproduces the case. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "seed=%d D=%d hidden=%s K=%d act=%s rule=%s detached=%b strategy=%s margin=%.3g regions=%s extreme=%b scale=%.3g offset=%.3g lr=%.3g wd=%.3g"
                        + " batch=%d init=x%.3g kinksThrough=%b steps=%d checks=%s",
                seed, d, Arrays.toString(hidden), outputs, activation.id(), rule, detached, strategy, margin, regionKind, extreme, scale, offset,
                learningRate, weightDecay, batchSize, initScale, kinksThrough, steps, Arrays.toString(checkSteps));
    }
}
