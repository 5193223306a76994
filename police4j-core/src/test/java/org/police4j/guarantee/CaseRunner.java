package org.police4j.guarantee;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.conv.PolicedConvNet;
import org.police4j.fold.Fold;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Barycentric;
import org.police4j.testing.ExactChecker;
import org.police4j.train.Fit;
import org.police4j.train.FitResult;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/**
 * Runs one {@link RandomCase}: builds the POLICEd network, scales its initial weights, trains it
 * with {@link Fit} and, after each chosen step, folds it and holds the project's certificate
 * against the independent {@link ExactChecker} on every region; {@link #run(RandomGraphCase)} does
 * the same for a random architecture. Plain Java (no test framework),
 * so the property test and the long battery in police4j-bench share it. With the system property
 * {@code guarantee.verbose=true} the certificate of every failing check is printed.
 */
public final class CaseRunner {

    /** Interior points the certificate samples (diagnostics only: the verdict is on the points). */
    static final int INTERIOR_SAMPLES = 4;

    /** Training rows per case. */
    static final int ROWS = 32;

    private CaseRunner() {}

    /** What one check found. */
    public enum Outcome {
        /** The checker finds the network affine and the certificate certifies it. */
        OK,
        /** The checker finds a straddling unit and the certificate refuses too: training broke the guarantee. */
        ENGINE_FAILURE,
        /** The checker finds a straddling unit but the certificate certifies: an unsound certificate. */
        REFUTED_CERTIFICATE,
        /** The checker finds the network affine but the certificate refuses: the two disagree. */
        CERTIFICATE_TOO_STRICT
    }

    /**
     * One check of one region after one step.
     *
     * @param step 0 for the freshly initialised network, else the number of AdamW steps done
     * @param region the region's index
     * @param outcome what the two judges said
     * @param exact the checker's verdict
     * @param certified the certificate's verdict
     */
    public record Check(int step, int region, Outcome outcome, ExactChecker.Result exact, boolean certified) {}

    /**
     * Everything one case produced.
     *
     * @param c the case
     * @param checks every check taken, in order
     * @param stepsDone AdamW steps completed
     * @param notFinite why training stopped on a non-finite value (null if it did not)
     * @param error any other exception, with its class and message (null if none)
     * @param seconds wall time of the case
     */
    public record Report(RandomCase c, List<Check> checks, int stepsDone, String notFinite, String error, double seconds) {

        public long count(Outcome o) {
            return checks.stream().filter(k -> k.outcome() == o).count();
        }

        /** Whether any check found the network not affine or the two judges disagreeing. */
        public boolean failed() {
            return error != null || checks.stream().anyMatch(k -> k.outcome() != Outcome.OK);
        }
    }

    /** Runs {@code c} to its last step (or its first non-finite value). */
    public static Report run(RandomCase c) {
        long start = System.nanoTime();
        List<Check> checks = new ArrayList<>();
        int[] done = {0};
        String notFinite = null;
        String error = null;
        try (Model model = Model.newInstance("guarantee-" + c.seed());
                NDManager data = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder()
                    .setHidden(c.hidden())
                    .setOutputs(c.outputs())
                    .optActivation(c.activation())
                    .setRegions(c.regions())
                    .optSignRule(c.rule())
                    .optDetachedShift(c.detached())
                    .optMargin(c.margin())
                    .optStrategy(c.strategy())
                    .build();
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, c.d()));
            initialise(block, c);
            if (contains(c.checkSteps(), 0)) {
                check(block, c, 0, checks);
            }
            if (c.steps() > 0) {
                double[][][] xy = data(c);
                NDArray x = matrix(data, xy[0]);
                NDArray y = matrix(data, xy[1]);
                TrainingSettings settings = new TrainingSettings(
                        c.steps(), c.learningRate(), c.weightDecay(), 0, 1, LossKind.MSE, c.batchSize(), c.seed());
                FitResult r = Fit.create()
                        .optListener((step, loss, b) -> {
                            done[0] = step;
                            if (contains(c.checkSteps(), step)) {
                                check(b, c, step, checks);
                            }
                        })
                        .fit(model, x, y, settings);
                if (!r.completed()) {
                    notFinite = "loss not finite at step " + r.stoppedAt();
                }
            }
        } catch (RuntimeException e) {
            String message = e.getClass().getSimpleName() + ": " + e.getMessage();
            if (String.valueOf(e.getMessage()).contains("finite")) {
                notFinite = message;
            } else {
                error = message;
            }
        }
        return new Report(c, List.copyOf(checks), done[0], notFinite, error, (System.nanoTime() - start) / 1e9);
    }

    private static void check(PolicedMlp block, RandomCase c, int step, List<Check> out) {
        FoldedNetwork folded = Fold.weights(block);
        List<ExactChecker.Result> exact = ExactChecker.checkAll(folded, c.regions());
        List<Certificate> certs = c.regions().size() == 1
                ? List.of(Certify.policed(block, Certify.Options.defaults().optInteriorSamples(INTERIOR_SAMPLES).optSeed(c.seed())))
                : Certify.perRegion(block, Certify.Options.defaults().optInteriorSamples(INTERIOR_SAMPLES).optSeed(c.seed()));
        for (int j = 0; j < exact.size(); j++) {
            judge(step, j, exact.get(j), certs.get(j), out);
        }
    }

    /** Records what the two judges said of one region after one step. */
    private static Outcome judge(int step, int region, ExactChecker.Result exact, Certificate cert, List<Check> out) {
        boolean affine = exact.affine();
        boolean certified = cert.certified();
        Outcome o = affine
                ? (certified ? Outcome.OK : Outcome.CERTIFICATE_TOO_STRICT)
                : (certified ? Outcome.REFUTED_CERTIFICATE : Outcome.ENGINE_FAILURE);
        out.add(new Check(step, region, o, exact, certified));
        if (Boolean.getBoolean("guarantee.verbose") && o != Outcome.OK) {
            System.out.println("step " + step + " region " + region + ": " + cert.summary());
        }
        return o;
    }

    /** Interior points per check of a random architecture, compared with the interpolation of the region's points. */
    static final int INTERPOLATED = 6;

    /** Training rows of a random architecture. */
    static final int GRAPH_ROWS = 16;

    /**
     * Everything one random architecture produced.
     *
     * @param c the case
     * @param checks every check taken (step 0, then after every step; one per region), in order
     * @param interpolation the first interior point whose output differs from the interpolation of
     *     the region's points' outputs (null if none)
     * @param broken the two judges on the trained network with one unit's kink moved into the middle
     *     of its range over the region's points (see {@link #breakOneUnit}), null when no unit moves
     *     enough over the points for float32 to place its kink strictly inside
     * @param error any exception, with its class and message (null if none)
     * @param seconds wall time of the case
     */
    public record GraphReport(
            RandomGraphCase c, List<Check> checks, String interpolation, Check broken, String error, double seconds) {

        /**
         * Whether any check found the network not affine, the judges disagreeing, an interior point
         * off the map, or the broken network not refuted by both judges.
         */
        public boolean failed() {
            return error != null || interpolation != null || checks.stream().anyMatch(k -> k.outcome() != Outcome.OK)
                    || broken != null && broken.outcome() != Outcome.ENGINE_FAILURE;
        }
    }

    /**
     * Runs a random architecture: initialises it from its seed, checks it, then trains it its
     * steps (AdamW, MSE, full batch, DJL's {@link Trainer}) and checks it after every one. A check
     * folds the network as {@link Certify#policed(PolicedConvNet, Certify.Options)} does, holds the
     * {@link ExactChecker} against that certificate on the region's points, and compares the folded
     * network at interior points with the barycentric interpolation of its exact outputs at the
     * region's points.
     *
     * @param c the case
     * @return what it produced
     */
    public static GraphReport run(RandomGraphCase c) {
        long start = System.nanoTime();
        List<Check> checks = new ArrayList<>();
        String[] interpolation = {null};
        List<Check> broken = new ArrayList<>();
        String error = null;
        try (Model model = Model.newInstance("graph-" + c.seed())) {
            NDManager manager = model.getNDManager();
            PolicedConvNet net = c.build();
            Engine.getInstance().setRandomSeed((int) c.seed());
            net.initialize(manager, DataType.FLOAT32, new Shape(1, c.d()));
            model.setBlock(net);
            Random rng = new Random(c.seed() + 31);
            List<double[][]> points = c.regions().stream().map(CaseRunner::pointsOf).toList();
            check(net, c, 0, points, rng, checks, interpolation);
            double[][][] xy = graphData(c, rng);
            NDArray x = matrix(manager, xy[0]);
            NDArray y = matrix(manager, xy[1]);
            Loss loss = Loss.l2Loss();
            Optimizer adamW = Optimizer.adamW().optLearningRateTracker(Tracker.fixed((float) c.learningRate())).build();
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adamW))) {
                for (int step = 1; step <= c.steps(); step++) {
                    try (NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray out = trainer.forward(new NDList(x)).head();
                            gc.backward(loss.evaluate(new NDList(y), new NDList(out)));
                        }
                    }
                    trainer.step();
                    check(net, c, step, points, rng, checks, interpolation);
                }
            }
            FoldedNetwork wrong = breakOneUnit(net.fold(), points.get(0));
            if (wrong != null) {
                Region first = c.regions().get(0);
                judge(c.steps(), 0, ExactChecker.check(wrong, first),
                        Certify.of(wrong, first, Certify.Options.defaults().optInteriorSamples(INTERIOR_SAMPLES)), broken);
            }
        } catch (RuntimeException e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return new GraphReport(c, List.copyOf(checks), interpolation[0], broken.isEmpty() ? null : broken.get(0), error,
                (System.nanoTime() - start) / 1e9);
    }

    private static void check(
            PolicedConvNet net, RandomGraphCase c, int step, List<double[][]> points, Random rng, List<Check> out,
            String[] interpolation) {
        FoldedNetwork folded = net.fold();
        List<ExactChecker.Result> exact = ExactChecker.checkAll(folded, c.regions());
        Certify.Options options = Certify.Options.defaults().optInteriorSamples(INTERIOR_SAMPLES).optSeed(c.seed());
        List<Certificate> certs = c.regions().size() == 1 ? List.of(Certify.policed(net, options)) : Certify.perRegion(net, options);
        for (int j = 0; j < exact.size(); j++) {
            judge(step, j, exact.get(j), certs.get(j), out);
            String off = interpolates(folded, points.get(j), rng, c.scale());
            if (off != null && interpolation[0] == null) {
                interpolation[0] = "step " + step + " region " + j + ": " + off;
            }
        }
    }

    /**
     * The first interior point (a random convex combination of the points) where the folded
     * network in double differs from the same combination of its exact outputs at the points by
     * more than a millionth of the outputs' size, or null.
     */
    private static String interpolates(FoldedNetwork folded, double[][] points, Random rng, double scale) {
        double[][] weights = Barycentric.lambdas(INTERPOLATED, points.length, rng);
        double[][] interior = Barycentric.combine(weights, points);
        double[][] expected = Barycentric.combine(weights, ExactChecker.outputs(folded, points));
        double size = 1e-30;
        for (double[] row : expected) {
            for (double v : row) {
                size = Math.max(size, Math.abs(v));
            }
        }
        for (int i = 0; i < interior.length; i++) {
            double[] y = folded.evaluate(interior[i]);
            for (int k = 0; k < y.length; k++) {
                double gap = Math.abs(y[k] - expected[i][k]);
                if (!(gap <= 1e-6 * size + 1e-9 * scale)) {
                    return "interior point " + i + " output " + k + ": " + y[k] + ", the interpolation of the points' outputs "
                            + expected[i][k];
                }
            }
        }
        return null;
    }

    /**
     * The negative control: the folded network with the bias of one unit of its first hidden layer
     * (the unit whose pre-activation moves most over the points) moved so that the middle of its
     * range falls on the activation's first kink, which then passes between the points: both judges must refute it. Null when the layer
     * before the first activation has no per-unit bias (a max-pool), a graph comes first, or no unit moves by more than
     * a millionth of its middle value (float32 could not place the kink strictly inside).
     */
    static FoldedNetwork breakOneUnit(FoldedNetwork net, double[][] points) {
        int first = 0;
        while (!(net.layers().get(first) instanceof Layer.Activation)) {
            if (net.layers().get(first) instanceof Layer.Parallel) {
                return null; // its branches' activations would come first in preActivations
            }
            first++;
        }
        Layer before = first == 0 ? null : net.layers().get(first - 1);
        float[] bias = before instanceof Layer.Dense dense ? dense.bias() : before instanceof Layer.Conv conv ? conv.bias() : null;
        if (bias == null) {
            return null;
        }
        double[] lo = null;
        double[] hi = null;
        for (double[] x : points) {
            double[] h = net.preActivations(x).get(0);
            lo = lo == null ? h.clone() : lo;
            hi = hi == null ? h.clone() : hi;
            for (int k = 0; k < h.length; k++) {
                lo[k] = Math.min(lo[k], h[k]);
                hi[k] = Math.max(hi[k], h[k]);
            }
        }
        int unit = 0;
        for (int k = 1; k < lo.length; k++) {
            if (hi[k] - lo[k] > hi[unit] - lo[unit]) {
                unit = k;
            }
        }
        double mid = (lo[unit] + hi[unit]) / 2;
        org.police4j.engine.Cpa cpa = ((Layer.Activation) net.layers().get(first)).cpa();
        double kink = cpa.singleKinkAtZero() ? 0 : cpa.kink(0);
        if (!(hi[unit] - lo[unit] > 1e-6 * (Math.abs(mid) + Math.abs(kink)) + 1e-30)) {
            return null;
        }
        float[] moved = bias.clone();
        moved[unit] = (float) (bias[unit] - mid + kink);
        Layer changed = before instanceof Layer.Dense dense ? dense.withBias(moved) : ((Layer.Conv) before).withBias(moved);
        return net.with(first - 1, changed);
    }

    /** The region's points as doubles: a vertex region's vertices, a box's corners (rounded once). */
    private static double[][] pointsOf(Region region) {
        if (region instanceof VertexRegion v) {
            return v.vertices();
        }
        java.math.BigDecimal[][] exact = ExactChecker.exactPoints(region, ExactChecker.MAX_POINTS);
        double[][] out = new double[exact.length][];
        for (int p = 0; p < exact.length; p++) {
            out[p] = Arrays.stream(exact[p]).mapToDouble(java.math.BigDecimal::doubleValue).toArray();
        }
        return out;
    }

    /** Half the rows inside the regions, half around them (their scale); targets sin(a.(x - m)/scale). */
    private static double[][][] graphData(RandomGraphCase c, Random rng) {
        int d = c.d();
        double[][] x = new double[GRAPH_ROWS][];
        for (int i = 0; i < GRAPH_ROWS; i++) {
            Region r = c.regions().get((i / 2) % c.regions().size());
            if (i % 2 == 0) {
                x[i] = r.sample(1, rng)[0];
            } else {
                x[i] = r.center();
                for (int j = 0; j < d; j++) {
                    x[i][j] += c.scale() * rng.nextGaussian();
                }
            }
        }
        return new double[][][] {x, sineTargets(x, c.regions().get(0).center(), c.outputs(), c.scale(), rng)};
    }

    /**
     * PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from the case's seed, times its scale;
     * with {@code kinksThrough}, about half the first layer's biases are then set so the unit's
     * kink passes near a random point of a region.
     */
    private static void initialise(PolicedMlp block, RandomCase c) {
        Random rng = new Random(c.seed() ^ 0x5DEECE66DL);
        for (int l = 0; l < block.layers().size(); l++) {
            long[] shape = block.weight(l).getShape().getShape();
            int rows = (int) shape[0];
            int cols = (int) shape[1];
            double bound = c.initScale() / Math.sqrt(cols);
            float[] w = new float[rows * cols];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (bound * (2 * rng.nextDouble() - 1));
            }
            float[] b = new float[rows];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (bound * (2 * rng.nextDouble() - 1));
            }
            if (l == 0 && c.kinksThrough()) {
                for (int k = 0; k < rows; k++) {
                    if (rng.nextBoolean()) {
                        Region r = c.regions().get(rng.nextInt(c.regions().size()));
                        double[] p = r.sample(1, rng)[0];
                        double s = 0;
                        for (int j = 0; j < cols; j++) {
                            s += w[k * cols + j] * (p[j] + 0.1 * c.scale() * rng.nextGaussian());
                        }
                        b[k] = (float) -s;
                    }
                }
            }
            block.weight(l).set(w);
            block.bias(l).set(b);
        }
    }

    /**
     * Half the rows inside the regions, half around them (the centre plus Gaussian noise of the
     * regions' scale); targets sin(a.(x - m)/scale) of order 1.
     */
    static double[][][] data(RandomCase c) {
        Random rng = new Random(c.seed() + 17);
        int d = c.d();
        double[][] x = new double[ROWS][];
        for (int i = 0; i < ROWS; i++) {
            Region r = c.regions().get(i % c.regions().size());
            if (i % 2 == 0) {
                x[i] = r.sample(1, rng)[0];
            } else {
                double[] m = r.center();
                for (int j = 0; j < d; j++) {
                    m[j] += 2 * c.scale() * rng.nextGaussian();
                }
                x[i] = m;
            }
        }
        double[] m = c.regions().get(0).center();
        return new double[][][] {x, sineTargets(x, m, c.outputs(), c.scale(), rng)};
    }

    /** Targets {@code sin(a_k . (x - m) / scale)} of order 1, a Gaussian drawn from {@code rng}. */
    private static double[][] sineTargets(double[][] x, double[] m, int outputs, double scale, Random rng) {
        int d = m.length;
        double[][] a = new double[outputs][d];
        for (double[] row : a) {
            for (int j = 0; j < d; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        double[][] y = new double[x.length][outputs];
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < outputs; k++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += a[k][j] * (x[i][j] - m[j]) / scale;
                }
                y[i][k] = Math.sin(s);
            }
        }
        return y;
    }

    private static NDArray matrix(NDManager manager, double[][] m) {
        int cols = m[0].length;
        float[] flat = new float[m.length * cols];
        for (int r = 0; r < m.length; r++) {
            for (int j = 0; j < cols; j++) {
                flat[r * cols + j] = (float) m[r][j];
            }
        }
        return manager.create(flat, new Shape(m.length, cols));
    }

    private static boolean contains(int[] a, int v) {
        return Arrays.stream(a).anyMatch(x -> x == v);
    }
}
