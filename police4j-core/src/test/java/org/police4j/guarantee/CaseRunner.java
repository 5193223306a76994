package org.police4j.guarantee;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.fold.Fold;
import org.police4j.network.FoldedNetwork;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Region;
import org.police4j.testing.ExactChecker;
import org.police4j.train.Fit;
import org.police4j.train.FitResult;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/**
 * Runs one {@link RandomCase}: builds the POLICEd network, scales its initial weights, trains it
 * with {@link Fit} and, after each chosen step, folds it and holds the project's certificate
 * against the independent {@link ExactChecker} on every region. Plain Java (no test framework),
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
            boolean affine = exact.get(j).affine();
            boolean certified = certs.get(j).certified();
            Outcome o = affine
                    ? (certified ? Outcome.OK : Outcome.CERTIFICATE_TOO_STRICT)
                    : (certified ? Outcome.REFUTED_CERTIFICATE : Outcome.ENGINE_FAILURE);
            out.add(new Check(step, j, o, exact.get(j), certified));
            if (Boolean.getBoolean("guarantee.verbose") && o != Outcome.OK) {
                System.out.println("step " + step + " region " + j + ": " + certs.get(j).summary());
            }
        }
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
        double[][] a = new double[c.outputs()][d];
        for (double[] row : a) {
            for (int j = 0; j < d; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        double[][] y = new double[ROWS][c.outputs()];
        for (int i = 0; i < ROWS; i++) {
            for (int k = 0; k < c.outputs(); k++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += a[k][j] * (x[i][j] - m[j]) / c.scale();
                }
                y[i][k] = Math.sin(s);
            }
        }
        return new double[][][] {x, y};
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
