package org.police4j.experiments.fashion;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.police4j.network.Layer.Dense;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;
import org.police4j.nn.PolicedMlp;
import org.police4j.train.Batches;
import org.police4j.train.Fit;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/**
 * Trains a POLICEd network and its unconstrained twin side by side, step by step: the same
 * initial weights (the engine is re-seeded before each initialisation), the same mini-batches (one
 * seeded shuffle per epoch, shared), the same AdamW and schedule, the same number of steps. Each
 * step of each network (batch gather, forward, loss, backward, optimiser update) is timed with
 * {@link System#nanoTime()}; the two are interleaved and their order alternates every step, so
 * that a busy machine or a warming JIT slows both alike. This mirrors {@link org.police4j.train.Fit}'s
 * loop, which trains only a {@link PolicedMlp}.
 */
final class TwinTraining {

    /** Steps not counted in the timing (JIT, allocator and engine warm-up). */
    static final int WARMUP_STEPS = 5;

    /** What the two runs did. */
    record Result(
            double[] policedLoss,
            double[] plainLoss,
            long[] policedNanos,
            long[] plainNanos,
            boolean sameInit) {

        /** Total time of the timed steps (after warm-up), in seconds. */
        double policedSeconds() {
            return sum(policedNanos) / 1e9;
        }

        double plainSeconds() {
            return sum(plainNanos) / 1e9;
        }

        /** Ratio of the total times of the timed steps. */
        double totalRatio() {
            return (double) sum(policedNanos) / sum(plainNanos);
        }

        /** The median over timed steps of the per-step ratio. */
        double medianRatio() {
            int n = policedNanos.length - from();
            double[] r = new double[n];
            for (int i = 0; i < n; i++) {
                r[i] = (double) policedNanos[from() + i] / plainNanos[from() + i];
            }
            Arrays.sort(r);
            return n == 0 ? Double.NaN : n % 2 == 1 ? r[n / 2] : 0.5 * (r[n / 2 - 1] + r[n / 2]);
        }

        /** Median step time in ms. */
        static double medianMs(long[] nanos) {
            int from = nanos.length > WARMUP_STEPS ? WARMUP_STEPS : 0;
            long[] t = Arrays.copyOfRange(nanos, from, nanos.length);
            Arrays.sort(t);
            return t.length == 0 ? Double.NaN : t[t.length / 2] / 1e6;
        }

        private int from() {
            return policedNanos.length > WARMUP_STEPS ? WARMUP_STEPS : 0;
        }

        private long sum(long[] nanos) {
            long s = 0;
            for (int i = from(); i < nanos.length; i++) {
                s += nanos[i];
            }
            return s;
        }
    }

    private TwinTraining() {}

    /**
     * @param policed the POLICEd model (uninitialised block)
     * @param plain the unconstrained model (uninitialised block of the same shape)
     * @param x N x D training inputs
     * @param y N class indices (float)
     * @param s the run's settings
     * @param progress where to print progress lines, or null
     */
    static Result train(Model policed, Model plain, NDArray x, NDArray y, FashionSettings s, PrintWriter progress) {
        long n = x.getShape().get(0);
        int d = (int) x.getShape().get(1);
        Engine.getInstance().setRandomSeed((int) s.seed());
        policed.getBlock().initialize(policed.getNDManager(), DataType.FLOAT32, new Shape(1, d));
        Engine.getInstance().setRandomSeed((int) s.seed());
        plain.getBlock().initialize(plain.getNDManager(), DataType.FLOAT32, new Shape(1, d));
        boolean sameInit = sameWeights((PolicedMlp) policed.getBlock(), plain.getBlock());

        Loss loss = LossKind.SOFTMAX_CROSS_ENTROPY.toDjl();
        int steps = s.steps();
        double[] lp = new double[steps];
        double[] lq = new double[steps];
        long[] tp = new long[steps];
        long[] tq = new long[steps];
        int batch = (int) Math.min(s.batchSize(), n);
        Batches batches = new Batches(n, batch, s.seed());
        try (Trainer tPoliced = policed.newTrainer(config(loss, s));
                Trainer tPlain = plain.newTrainer(config(loss, s))) {
            int every = Math.max(1, steps / 10);
            for (int step = 1; step <= steps; step++) {
                long[] idx = batches.next();
                if (step % 2 == 1) {
                    tp[step - 1] = timedStep(tPoliced, loss, x, y, idx, lp, step);
                    tq[step - 1] = timedStep(tPlain, loss, x, y, idx, lq, step);
                } else {
                    tq[step - 1] = timedStep(tPlain, loss, x, y, idx, lq, step);
                    tp[step - 1] = timedStep(tPoliced, loss, x, y, idx, lp, step);
                }
                if (!Double.isFinite(lp[step - 1]) || !Double.isFinite(lq[step - 1])) {
                    throw new IllegalStateException(String.format(Locale.ROOT,
                            "the loss became non-finite at step %d (POLICEd %g, unconstrained %g); try a smaller learning rate",
                            step, lp[step - 1], lq[step - 1]));
                }
                if (progress != null && (step % every == 0 || step == steps)) {
                    progress.printf(Locale.ROOT, "fashion: step %d/%d  loss POLICEd %.4f  unconstrained %.4f  (%.1f / %.1f ms per step)%n",
                            step, steps, lp[step - 1], lq[step - 1], tp[step - 1] / 1e6, tq[step - 1] / 1e6);
                    progress.flush();
                }
            }
        }
        return new Result(lp, lq, tp, tq, sameInit);
    }

    /** The same recipe as {@link Fit}: AdamW with the step schedule and weight decay. */
    private static DefaultTrainingConfig config(Loss loss, FashionSettings s) {
        TrainingSettings t = new TrainingSettings(s.steps(), s.learningRate(), s.weightDecay(), s.scheduleEvery(),
                s.gamma(), LossKind.SOFTMAX_CROSS_ENTROPY, s.batchSize(), s.seed());
        return new DefaultTrainingConfig(loss).optOptimizer(Fit.adamW(t));
    }

    private static long timedStep(Trainer trainer, Loss loss, NDArray x, NDArray y, long[] idx, double[] losses, int step) {
        long start = System.nanoTime();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray rows = x.getManager().create(idx);
            NDArray xb = x.get(rows);
            NDArray yb = y.get(rows);
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList out = trainer.forward(new NDList(xb));
                NDArray l = loss.evaluate(new NDList(yb), new NDList(out.head()));
                losses[step - 1] = l.getFloat();
                gc.backward(l);
            }
        }
        trainer.step();
        return System.nanoTime() - start;
    }

    /** Test accuracy of {@code block} (POLICEd or plain) on x, in chunks, inference mode. */
    static double accuracy(Block block, NDManager manager, float[][] x, int[] labels) {
        int right = 0;
        int chunk = 1000;
        for (int from = 0; from < x.length; from += chunk) {
            int to = Math.min(x.length, from + chunk);
            try (NDManager m = manager.newSubManager()) {
                NDArray xs = m.create(flatten(x, from, to), new Shape(to - from, x[0].length));
                NDArray out = block.forward(new ParameterStore(m, false), new NDList(xs), false).singletonOrThrow();
                int[] pred = argmaxRows(out.toFloatArray(), (int) out.getShape().get(1));
                for (int i = 0; i < pred.length; i++) {
                    if (pred[i] == labels[from + i]) {
                        right++;
                    }
                }
            }
        }
        return x.length == 0 ? Double.NaN : (double) right / x.length;
    }

    static int[] argmaxRows(float[] flat, int k) {
        int[] out = new int[flat.length / k];
        for (int i = 0; i < out.length; i++) {
            int best = 0;
            for (int c = 1; c < k; c++) {
                if (flat[i * k + c] > flat[i * k + best]) {
                    best = c;
                }
            }
            out[i] = best;
        }
        return out;
    }

    static float[] flatten(float[][] x, int from, int to) {
        int d = x.length == 0 ? 0 : x[0].length;
        float[] flat = new float[(to - from) * d];
        for (int i = from; i < to; i++) {
            System.arraycopy(x[i], 0, flat, (i - from) * d, d);
        }
        return flat;
    }

    /** The plain network's weights in the form the certifier and the attack read. */
    static FoldedNetwork plainWeights(SequentialBlock net, Cpa activation) {
        List<Dense> layers = new ArrayList<>();
        for (var child : net.getChildren()) {
            if (child.getValue() instanceof Linear lin) {
                NDArray w = lin.getParameters().get("weight").getArray();
                float[] flat = w.toFloatArray();
                int rows = (int) w.getShape().get(0);
                int cols = (int) w.getShape().get(1);
                float[][] m = new float[rows][cols];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(flat, r * cols, m[r], 0, cols);
                }
                layers.add(new Dense(m, lin.getParameters().get("bias").getArray().toFloatArray()));
            }
        }
        return FoldedNetwork.mlp(layers.subList(0, layers.size() - 1), layers.get(layers.size() - 1), activation);
    }

    private static boolean sameWeights(PolicedMlp policed, Block plain) {
        List<NDArray> mine = new ArrayList<>();
        for (Linear l : policed.layers()) {
            mine.add(l.getParameters().get("weight").getArray());
            mine.add(l.getParameters().get("bias").getArray());
        }
        List<NDArray> theirs = new ArrayList<>();
        for (var child : plain.getChildren()) {
            if (child.getValue() instanceof Linear lin) {
                theirs.add(lin.getParameters().get("weight").getArray());
                theirs.add(lin.getParameters().get("bias").getArray());
            }
        }
        if (mine.size() != theirs.size()) {
            return false;
        }
        for (int i = 0; i < mine.size(); i++) {
            if (!Arrays.equals(mine.get(i).toFloatArray(), theirs.get(i).toFloatArray())) {
                return false;
            }
        }
        return true;
    }
}
