package org.police4j.experiments.paper;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.police4j.cli.base.ThreadPolicy;
import org.police4j.cli.base.ThreadsOption;
import org.police4j.engine.SignRule;
import org.police4j.fold.Fold;
import org.police4j.engine.Cpa;
import org.police4j.nn.PlainMlp;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.train.LossKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code police4j table1}: the paper's Table 1, the cost of a POLICEd training step (forward +
 * loss + backward, optimiser step excluded) against the unconstrained twin, plus the inference
 * cost of the folded network. The two networks are timed alternately, iteration by iteration, so
 * that drifts of the machine hit both alike.
 */
@Command(
        name = "table1",
        mixinStandardHelpOptions = true,
        description = "Reproduce the paper's Table 1: training-step time of POLICEd vs unconstrained MLPs, "
                + "and inference time of the folded network.")
public final class Table1Command implements Callable<Integer> {

    static final int BATCH = 1024;
    static final String PAPER_CONFIGS = "2:2:256,2:4:64,2:4:4096,784:2:1024,784:8:1024,3072:6:4096";
    static final String[] COLUMNS = {
        "D", "L", "W", "P", "N", "steps",
        "plain_train_mean_ms", "plain_train_std_ms", "plain_train_median_ms",
        "police_train_mean_ms", "police_train_std_ms", "police_train_median_ms",
        "slowdown_median", "flop_floor",
        "detached_train_mean_ms", "detached_train_std_ms", "detached_train_median_ms",
        "detached_slowdown_median", "detached_floor",
        "plain_infer_mean_ms", "plain_infer_std_ms", "plain_infer_median_ms",
        "folded_infer_mean_ms", "folded_infer_std_ms", "folded_infer_median_ms",
        "folded_over_plain_infer",
        "plain_infer_batch1_median_us", "folded_infer_batch1_median_us", "folded_over_plain_infer_batch1"
    };

    @Spec CommandSpec spec;

    @Mixin ThreadsOption threads;

    @Option(names = "--preset", defaultValue = "quick",
            description = "quick (30 timed steps, skips the 4096-wide configurations) or paper (1024 timed steps). Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--configs", description = "Comma-separated D:L:W (input dimension, depth, width); default: the paper's six.")
    String configs;

    @Option(names = "--steps", description = "Timed iterations per network (overrides the preset).")
    Integer steps;

    @Option(names = "--warmup", description = "Untimed iterations per network first (overrides the preset).")
    Integer warmup;

    @Option(names = "--out", defaultValue = "table1-out", description = "Directory of table1.csv. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the data and the initialisation. Default: ${DEFAULT-VALUE}.")
    long seed;

    /** One configuration of the table. */
    record Config(int d, int depth, int width) {
        static Config parse(String s) {
            String[] parts = s.trim().split(":");
            if (parts.length != 3) {
                throw new IllegalArgumentException("--configs: '" + s + "'; expected D:L:W, e.g. 2:4:64");
            }
            try {
                Config c = new Config(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()),
                        Integer.parseInt(parts[2].trim()));
                if (c.d < 1 || c.depth < 1 || c.width < 1) {
                    throw new IllegalArgumentException("--configs: '" + s + "'; D, L and W must be >= 1");
                }
                return c;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--configs: '" + s + "'; expected three integers D:L:W");
            }
        }

        @Override
        public String toString() {
            return d + ":" + depth + ":" + width;
        }
    }

    /** Mean, population standard deviation and median of a sample, in ms. */
    record Stats(double mean, double std, double median) {
        static Stats of(double[] ms) {
            double mean = Arrays.stream(ms).average().orElse(Double.NaN);
            double var = 0;
            for (double v : ms) {
                var += (v - mean) * (v - mean);
            }
            double[] s = ms.clone();
            Arrays.sort(s);
            int n = s.length;
            double median = n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
            return new Stats(mean, Math.sqrt(var / Math.max(1, n)), median);
        }

        String text() {
            return String.format(Locale.ROOT, "%.2f ± %.2f (med %.2f)", mean, std, median);
        }
    }

    /** One measured row. */
    record Row(Config config, int p, int steps, Stats plainTrain, Stats policeTrain, Stats detachedTrain,
            Stats plainInfer, Stats foldedInfer, Stats plainInfer1, Stats foldedInfer1) {
        double slowdown() {
            return policeTrain.median() / plainTrain.median();
        }

        double flopFloor() {
            return (BATCH + p) / (double) BATCH;
        }

        double detachedSlowdown() {
            return detachedTrain.median() / plainTrain.median();
        }

        /** With no gradient through the region, its P rows cost one forward of the three passes. */
        double detachedFloor() {
            return (3.0 * BATCH + p) / (3.0 * BATCH);
        }

        double inferRatio() {
            return foldedInfer.median() / plainInfer.median();
        }

        double inferRatio1() {
            return foldedInfer1.median() / plainInfer1.median();
        }
    }

    @Override
    public Integer call() throws IOException {
        boolean paper;
        switch (preset.toLowerCase(Locale.ROOT)) {
            case "paper":
                paper = true;
                break;
            case "quick":
                paper = false;
                break;
            default:
                throw new IllegalArgumentException("--preset: " + preset + "; expected quick or paper");
        }
        int timed = steps != null ? steps : paper ? 1024 : 30;
        int warm = warmup != null ? warmup : paper ? 20 : 5;
        if (timed < 1) {
            throw new IllegalArgumentException("--steps: " + timed + "; expected >= 1");
        }
        if (warm < 0) {
            throw new IllegalArgumentException("--warmup: " + warm + "; expected >= 0");
        }
        List<Config> list = new ArrayList<>();
        List<Config> skipped = new ArrayList<>();
        for (String s : (configs != null ? configs : PAPER_CONFIGS).split(",")) {
            Config c = Config.parse(s);
            if (configs == null && !paper && c.width() >= 4096) {
                skipped.add(c);
            } else {
                list.add(c);
            }
        }
        Files.createDirectories(out);
        PrintWriter console = spec.commandLine().getOut();
        console.println(machineFacts());
        console.printf(Locale.ROOT, "Batch N = %d, simplex region (P = D + 1), MSE on cos(5 |x|), MAJORITY rule; %d timed "
                + "training steps per network after %d warm-up, unconstrained / POLICEd / detached interleaved in a "
                + "rotating order; inference (folded vs unconstrained, alternating) at batch N for as many iterations "
                + "and at batch 1 for max(that, 1000).%n", BATCH, timed, warm);
        if (!skipped.isEmpty()) {
            console.println("Preset quick skips the 4096-wide configurations " + skipped
                    + " (minutes per step on a CPU); use --preset paper or --configs to run them.");
        }
        console.flush();
        List<Row> rows = new ArrayList<>();
        for (Config c : list) {
            console.println("measuring D:L:W = " + c + " ...");
            console.flush();
            rows.add(measure(c, timed, warm));
        }
        console.println();
        console.print(markdown(rows));
        console.flush();
        writeCsv(out.resolve("table1.csv"), rows);
        console.println("wrote " + out.resolve("table1.csv"));
        console.flush();
        return 0;
    }

    static String machineFacts() {
        StringBuilder sb = new StringBuilder();
        Engine engine = Engine.getInstance();
        sb.append(String.format(Locale.ROOT, "Machine: %d cores, %s %s (%s), DJL %s, engine %s %s, PyTorch threads %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"), System.getProperty("os.arch"), Engine.getDjlVersion(),
                engine.getEngineName(), engine.getVersion(), ThreadPolicy.describe()));
        Map<String, String> malloc = new TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("MALLOC_")) {
                malloc.put(k, v);
            }
        });
        sb.append(malloc.isEmpty()
                ? "Environment: no MALLOC_* variable set (glibc defaults; page faults can dominate small steps)."
                : "Environment: " + malloc + " (glibc allocator tuned; same for both networks).");
        return sb.toString();
    }

    Row measure(Config c, int timed, int warm) {
        int[] hidden = new int[c.depth()];
        Arrays.fill(hidden, c.width());
        var region = Regions.simplex(c.d());
        try (NDManager data = NDManager.newBaseManager();
                Model plainModel = Model.newInstance("plain");
                Model policeModel = Model.newInstance("police");
                Model detachedModel = Model.newInstance("detached")) {
            NDArray[] xy = data(data, c.d());
            NDArray x = xy[0];
            NDArray y = xy[1];
            SequentialBlock plain = PlainMlp.build(c.d(), hidden, 1, Cpa.leakyRelu());
            PolicedMlp police = police(hidden, region, false);
            plainModel.setBlock(plain);
            policeModel.setBlock(police);
            detachedModel.setBlock(police(hidden, region, true));
            Loss loss = LossKind.MSE.toDjl();
            double[][] train = new double[3][timed];
            try (Trainer tPlain = trainer(plainModel, loss, c.d());
                    Trainer tPolice = trainer(policeModel, loss, c.d());
                    Trainer tDetached = trainer(detachedModel, loss, c.d())) {
                Trainer[] trainers = {tPlain, tPolice, tDetached};
                for (int i = 0; i < warm; i++) {
                    for (Trainer t : trainers) {
                        trainStep(t, loss, x, y);
                    }
                }
                for (int i = 0; i < timed; i++) {
                    // rotate which network goes first, so none always follows the same other
                    for (int k = 0; k < trainers.length; k++) {
                        int j = (i + k) % trainers.length;
                        train[j][i] = trainStep(trainers[j], loss, x, y);
                    }
                }
            }
            // Inference at the batch N and at batch 1 (where per-call overheads would show), the
            // two networks alternating; batch 1 is cheap, so it gets at least 1000 pairs.
            NDArray x1 = x.get("0:1");
            int single = Math.max(timed, 1000);
            double[][] infer = new double[2][timed];
            double[][] infer1 = new double[2][single];
            try (NDManager foldManager = data.newSubManager()) {
                SequentialBlock folded = Fold.block(police, foldManager);
                Block[] blocks = {plain, folded};
                ParameterStore ps = new ParameterStore(data, false);
                for (int i = 0; i < warm; i++) {
                    for (Block b : blocks) {
                        inferStep(b, ps, x);
                        inferStep(b, ps, x1);
                    }
                }
                for (int i = 0; i < single; i++) {
                    int first = i % 2;
                    if (i < timed) {
                        infer[first][i] = inferStep(blocks[first], ps, x);
                        infer[1 - first][i] = inferStep(blocks[1 - first], ps, x);
                    }
                    infer1[first][i] = inferStep(blocks[first], ps, x1);
                    infer1[1 - first][i] = inferStep(blocks[1 - first], ps, x1);
                }
            }
            return new Row(c, region.vertexCount(), timed, Stats.of(train[0]), Stats.of(train[1]), Stats.of(train[2]),
                    Stats.of(infer[0]), Stats.of(infer[1]), Stats.of(infer1[0]), Stats.of(infer1[1]));
        }
    }

    /** The POLICEd network of a row, with the paper's sign rule, exact or detached. */
    private static PolicedMlp police(int[] hidden, VertexRegion region, boolean detached) {
        return PolicedMlp.builder().setHidden(hidden).setOutputs(1).setRegion(region).optActivation(Cpa.leakyRelu())
                .optSignRule(SignRule.MAJORITY).optDetachedShift(detached).build();
    }

    private NDArray[] data(NDManager m, int d) {
        Random rng = new Random(seed);
        float[] x = new float[BATCH * d];
        double[] t = new double[BATCH];
        double scale = 1 / Math.sqrt(d);
        for (int i = 0; i < BATCH; i++) {
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double v = rng.nextGaussian() * scale;
                x[i * d + j] = (float) v;
                sq += v * v;
            }
            t[i] = Math.cos(5 * Math.sqrt(sq));
        }
        double mean = Arrays.stream(t).average().orElse(0);
        double maxAbs = 0;
        for (int i = 0; i < BATCH; i++) {
            t[i] -= mean;
            maxAbs = Math.max(maxAbs, Math.abs(t[i]));
        }
        float[] y = new float[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = (float) (t[i] / maxAbs);
        }
        return new NDArray[] {m.create(x, new Shape(BATCH, d)), m.create(y, new Shape(BATCH, 1))};
    }

    private Trainer trainer(Model model, Loss loss, int d) {
        Engine.getInstance().setRandomSeed((int) seed);
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(Optimizer.adamW().optLearningRateTracker(Tracker.fixed(1e-4f)).build());
        Trainer t = model.newTrainer(config);
        t.initialize(new Shape(1, d));
        return t;
    }

    /**
     * One timed forward + loss + backward; every array of the iteration is closed by the scope.
     * The optimiser step (which also zeroes the gradients for the next iteration) is not timed.
     */
    static double trainStep(Trainer trainer, Loss loss, NDArray x, NDArray y) {
        double ms;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            long t0 = System.nanoTime();
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                NDArray l = loss.evaluate(new NDList(y), new NDList(out));
                gc.backward(l);
            }
            ms = (System.nanoTime() - t0) / 1e6;
        }
        trainer.step();
        return ms;
    }

    /** One timed inference forward of the batch. */
    private static double inferStep(Block block, ParameterStore ps, NDArray x) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            long t0 = System.nanoTime();
            block.forward(ps, new NDList(x), false);
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    static String markdown(List<Row> rows) {
        StringWriter sw = new StringWriter();
        PrintWriter w = new PrintWriter(sw);
        w.println("| D | L | W | unconstrained train ms | POLICE train ms | slow-down (medians) | flop floor (N+P)/N "
                + "| detached train ms | detached slow-down | detached floor (3N+P)/3N "
                + "| unconstrained infer ms | folded infer ms | folded/unconstrained "
                + "| batch 1: unconstrained us | folded us | folded/unconstrained |");
        w.println("|---:|---:|---:|---|---|---:|---:|---|---:|---:|---|---|---:|---:|---:|---:|");
        for (Row r : rows) {
            w.printf(Locale.ROOT, "| %d | %d | %d | %s | %s | %.2fx | %.3f | %s | %.2fx | %.3f | %s | %s | %.2f "
                            + "| %.1f | %.1f | %.2f |%n",
                    r.config().d(), r.config().depth(), r.config().width(), r.plainTrain().text(),
                    r.policeTrain().text(), r.slowdown(), r.flopFloor(), r.detachedTrain().text(),
                    r.detachedSlowdown(), r.detachedFloor(), r.plainInfer().text(),
                    r.foldedInfer().text(), r.inferRatio(), 1000 * r.plainInfer1().median(),
                    1000 * r.foldedInfer1().median(), r.inferRatio1());
        }
        w.flush();
        return sw.toString();
    }

    static void writeCsv(Path target, List<Row> rows) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (CSVPrinter csv = new CSVPrinter(sb, CSVFormat.DEFAULT.builder().setHeader(COLUMNS).build())) {
            for (Row r : rows) {
                csv.printRecord(r.config().d(), r.config().depth(), r.config().width(), r.p(), BATCH, r.steps(),
                        f(r.plainTrain().mean()), f(r.plainTrain().std()), f(r.plainTrain().median()),
                        f(r.policeTrain().mean()), f(r.policeTrain().std()), f(r.policeTrain().median()),
                        f(r.slowdown()), f(r.flopFloor()),
                        f(r.detachedTrain().mean()), f(r.detachedTrain().std()), f(r.detachedTrain().median()),
                        f(r.detachedSlowdown()), f(r.detachedFloor()),
                        f(r.plainInfer().mean()), f(r.plainInfer().std()), f(r.plainInfer().median()),
                        f(r.foldedInfer().mean()), f(r.foldedInfer().std()), f(r.foldedInfer().median()),
                        f(r.inferRatio()), f(1000 * r.plainInfer1().median()), f(1000 * r.foldedInfer1().median()),
                        f(r.inferRatio1()));
            }
        }
        AtomicText.write(target, sb.toString());
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
