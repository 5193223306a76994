package org.police4j.experiments.paper;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.cli.base.ThreadPolicy;
import org.police4j.cli.base.ThreadsOption;
import org.police4j.cli.plot.Png;
import org.police4j.engine.SignRule;
import org.police4j.experiments.plot.ContourPanel;
import org.police4j.experiments.plot.Figure;
import org.police4j.experiments.plot.Grid2d;
import org.police4j.experiments.plot.ScatterBoundaryPanel;
import org.police4j.engine.Cpa;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.train.Fit;
import org.police4j.train.FitResult;
import org.police4j.train.LossKind;
import org.police4j.train.SideFlips;
import org.police4j.train.TrainingSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code police4j figures}: reproduces the paper's Figures 1-3 (PNG files) and writes a report with
 * each network's final loss, its certificate and its training time.
 */
@Command(
        name = "figures",
        mixinStandardHelpOptions = true,
        description = "Reproduce the paper's Figures 1-3 (classification, regression, training evolution) "
                + "as PNG files plus report.md.")
public final class FiguresCommand implements Callable<Integer> {

    /** Interior points at which each certificate measures the deviation from the affine map. */
    static final int INTERIOR_SAMPLES = 1000;
    static final String[] TARGETS = {"wave", "rays", "spiral"};
    static final int[] FIG3_SNAPSHOTS = {5, 20, 60};

    @Spec CommandSpec spec;

    @Mixin ThreadsOption threads;

    @Option(names = "--preset", defaultValue = "quick", description = "quick (a few minutes) or paper (the paper's sizes). Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--out", defaultValue = "figures-out", description = "Output directory. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--only", split = ",", description = "Only these figures (comma-separated): fig1, fig2, fig3.")
    List<String> only;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of initialisation and data noise. Default: ${DEFAULT-VALUE}.")
    long seed;

    private final List<Run> runs = new ArrayList<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private long start;

    /** Rewrites report.md with the networks done so far, so that an interrupted run leaves its results. */
    private void partialReport(FiguresPreset p) throws IOException {
        AtomicText.write(out.resolve("report.md"),
                report(p, settings, (System.nanoTime() - start) / 1e9, "partial: " + runs.size() + " network(s) done so far, run in progress"));
    }

    /**
     * One trained network of a figure.
     *
     * @param figure "fig1", "fig2" or "fig3"
     * @param target target (or "rings" for Figure 1)
     * @param region the region's name
     * @param finalLoss the last step's training loss
     * @param certificate the folded network's certificate on its region
     * @param trainSeconds wall time of the training loop
     * @param files the PNG files this network appears in
     * @param unconstrainedLoss the last step's loss of the unconstrained network of the same size,
     *     initialisation and training, or NaN when none was trained
     * @param sideFlips per hidden layer, how many units changed side over training ("a / b / c")
     */
    public record Run(String figure, String target, String region, double finalLoss, Certificate certificate,
            double trainSeconds, List<String> files, double unconstrainedLoss, String sideFlips) {}

    /** The networks trained by the last {@link #call()}, in order. */
    public List<Run> runs() {
        return Collections.unmodifiableList(runs);
    }

    @Override
    public Integer call() throws IOException {
        FiguresPreset p = FiguresPreset.named(preset);
        if (only != null) {
            for (String f : only) {
                if (!List.of("fig1", "fig2", "fig3").contains(f)) {
                    throw new IllegalArgumentException("--only: " + f + "; expected fig1, fig2 or fig3");
                }
            }
        }
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(out);
        runs.clear();
        PrintWriter console = spec.commandLine().getOut();
        long start = System.nanoTime();
        settings.clear();
        this.preset = p.name();
        this.start = start;
        if (only == null || only.contains("fig1")) {
            settings.put("fig1", fig1Settings(p));
            figure1(p);
        }
        if (only == null || only.contains("fig2")) {
            settings.put("fig2", fig2Settings(p));
            figure2(p);
        }
        if (only == null || only.contains("fig3")) {
            settings.put("fig3", fig3Settings(p));
            figure3(p);
        }
        double total = (System.nanoTime() - start) / 1e9;
        String report = report(p, settings, total, null);
        AtomicText.write(out.resolve("report.md"), report);
        console.print(report);
        TreeSet<String> files = new TreeSet<>();
        runs.forEach(r -> files.addAll(r.files()));
        files.add("report.md");
        console.printf(Locale.ROOT, "wrote %d files to %s: %s%n", files.size(), out.toAbsolutePath(),
                String.join(", ", files));
        console.flush();
        return 0;
    }

    // ------------------------------------------------------------------ Figure 1

    private void figure1(FiguresPreset p) throws IOException {
        VertexRegion square = Regions.paperSquare();
        PaperData.Labeled data = PaperData.rings(1024, 0.025, seed);
        TrainingSettings ts = fig1Training(p);
        PolicedMlp block = network(square, FiguresPreset.FIG1_DEPTH, p.fig1Width(), p.rule());
        String file = "fig1_classification.png";
        try (Model model = Model.newInstance("fig1"); NDManager data2 = NDManager.newBaseManager()) {
            model.setBlock(block);
            float[] y = new float[data.labels().length];
            for (int i = 0; i < y.length; i++) {
                y[i] = data.labels()[i];
            }
            NDArray x = data2.create(flatten(data.x()), new Shape(data.x().length, 2));
            NDArray yy = data2.create(y, new Shape(y.length, 1));
            SideFlips flips = SideFlips.create();
            FitResult fit = Fit.create().optProgress(true, "fig1 square").optListener(flips).fit(model, x, yy, ts);
            Certificate cert = Certify.policed(block, Certify.Options.defaults().optInteriorSamples(INTERIOR_SAMPLES).optSeed(seed));
            int n = p.fig1Grid();
            double[] logits = evaluate(model, block, PaperData.lattice(-1.8, 1.8, n));
            Grid2d g = PaperData.toGrid(-1.8, 1.8, -1.8, 1.8, n, logits);
            double[] xs = new double[data.x().length];
            double[] ys = new double[data.x().length];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = data.x()[i][0];
                ys[i] = data.x()[i][1];
            }
            BufferedImage img = new ScatterBoundaryPanel(xs, ys, data.labels())
                    .boundary(g)
                    .region(PaperData.polygonOrder(square.vertices()))
                    .bounds(-1.8, 1.8, -1.8, 1.8)
                    .title("Figure 1: POLICEd classifier, affine on the square (" + p.name() + ")")
                    .dotDiameter(p.panelPixels() >= 300 ? 4 : 3)
                    .size(p.panelPixels() + 120, p.panelPixels() + 120)
                    .render()
                    .image();
            Png.write(img, out.resolve(file));
            runs.add(new Run("fig1", "rings", square.name(), fit.finalLoss(), cert, fit.seconds(), List.of(file),
                    Double.NaN, flips.describe()));
            partialReport(p);
        }
    }

    // ------------------------------------------------------------------ Figure 2

    private void figure2(FiguresPreset p) throws IOException {
        VertexRegion[] regions = {Regions.paperTriangle(), Regions.paperOctagon(), Regions.paperCircle()};
        double[][] points = PaperData.lattice(-4, 4, p.grid());
        TrainingSettings ts = fig2Training(p);
        List<BufferedImage> outputs = new ArrayList<>();
        for (String target : TARGETS) {
            double[] y = PaperData.normalizedTarget(target, points);
            BufferedImage targetPanel = contour(PaperData.toGrid(-4, 4, -4, 4, p.grid(), y), null, null, "target: " + target, p);
            // the twin has no region, so one training serves the target's three panels
            double free = Double.NaN;
            for (VertexRegion region : regions) {
                Panel done = panel(p, ts, points, y, target, targetPanel, region);
                if (Double.isNaN(free)) {
                    free = unconstrained(FiguresPreset.FIG2_DEPTH, p.fig2Width(), points, y, ts, target);
                }
                outputs.add(done.image());
                Run r = done.run();
                runs.add(new Run(r.figure(), r.target(), r.region(), r.finalLoss(), r.certificate(), r.trainSeconds(),
                        r.files(), free, r.sideFlips()));
                partialReport(p);
            }
        }
        Png.write(Figure.grid("Figure 2: POLICEd regression, rows wave / rays / spiral, columns triangle / octagon / circle ("
                + p.name() + ")", 3, outputs), out.resolve("fig2_grid.png"));
    }

    /** A Figure 2 network's output panel and its run (the unconstrained loss not yet known). */
    private record Panel(BufferedImage image, Run run) {}

    private Panel panel(FiguresPreset p, TrainingSettings ts, double[][] points, double[] y, String target,
            BufferedImage targetPanel, VertexRegion region) throws IOException {
        String file = "fig2_" + target + "_" + region.name() + ".png";
        PolicedMlp block = network(region, FiguresPreset.FIG2_DEPTH, p.fig2Width(), p.rule());
        try (Model model = Model.newInstance("fig2"); NDManager m = NDManager.newBaseManager()) {
            model.setBlock(block);
            NDArray x = m.create(flatten(points), new Shape(points.length, 2));
            NDArray yy = m.create(toFloat(y), new Shape(y.length, 1));
            SideFlips flips = SideFlips.create();
            FitResult fit = Fit.create().optProgress(true, "fig2 " + target + "/" + region.name()).optListener(flips).fit(model, x, yy, ts);
            Certificate cert = Certify.policed(block, Certify.Options.defaults().optInteriorSamples(INTERIOR_SAMPLES).optSeed(seed));
            Grid2d output = PaperData.toGrid(-4, 4, -4, 4, p.grid(), evaluate(model, block, points));
            double[] v = PaperData.topVertex(region.vertices());
            int n = p.insetGrid();
            Grid2d zoom = PaperData.toGrid(v[0] - 1, v[0] + 1, v[1] - 1, v[1] + 1, n,
                    evaluate(model, block, PaperData.lattice(v[0] - 1, v[0] + 1, v[1] - 1, v[1] + 1, n)));
            BufferedImage image = contour(output, region, zoom, "POLICEd " + target + ", " + region.name() + " (" + p.name() + ")", p);
            Png.write(Figure.row(null, targetPanel, image), out.resolve(file));
            return new Panel(image, new Run("fig2", target, region.name(), fit.finalLoss(), cert, fit.seconds(),
                    List.of(file, "fig2_grid.png"), Double.NaN, flips.describe()));
        }
    }

    // ------------------------------------------------------------------ Figure 3

    private void figure3(FiguresPreset p) throws IOException {
        VertexRegion triangle = Regions.paperTriangle();
        double[][] points = PaperData.lattice(-4, 4, p.grid());
        double[] y = PaperData.normalizedTarget("rays", points);
        TrainingSettings ts = fig3Training(p);
        TreeSet<Integer> at = snapshotSteps(ts);
        Map<Integer, Grid2d> snapshots = new LinkedHashMap<>();
        SideFlips flips = SideFlips.create();
        PolicedMlp block = network(triangle, FiguresPreset.FIG3_DEPTH, p.fig3Width(), p.rule());
        String file = "fig3_training_evolution.png";
        try (Model model = Model.newInstance("fig3"); NDManager m = NDManager.newBaseManager()) {
            model.setBlock(block);
            NDArray x = m.create(flatten(points), new Shape(points.length, 2));
            NDArray yy = m.create(toFloat(y), new Shape(y.length, 1));
            FitResult fit = Fit.create()
                    .optProgress(true, "fig3 rays/triangle")
                    .optListener((step, loss, b) -> {
                        flips.afterStep(step, loss, b);
                        if (at.contains(step)) {
                            snapshots.put(step, PaperData.toGrid(-4, 4, -4, 4, p.grid(), evaluate(model, b, points)));
                        }
                    })
                    .fit(model, x, yy, ts);
            Certificate cert = Certify.policed(block, Certify.Options.defaults().optInteriorSamples(INTERIOR_SAMPLES).optSeed(seed));
            List<BufferedImage> panels = new ArrayList<>();
            panels.add(contour(PaperData.toGrid(-4, 4, -4, 4, p.grid(), y), null, null, "target: rays", p));
            for (Map.Entry<Integer, Grid2d> e : snapshots.entrySet()) {
                panels.add(contour(e.getValue(), triangle, null, "after step " + e.getKey(), p));
            }
            Png.write(Figure.grid("Figure 3: training evolution, rays target, triangle region (" + p.name() + ")",
                    panels.size(), panels), out.resolve(file));
            runs.add(new Run("fig3", "rays", triangle.name(), fit.finalLoss(), cert, fit.seconds(), List.of(file),
                    Double.NaN, flips.describe()));
            partialReport(p);
        }
    }

    private String fig1Settings(FiguresPreset p) {
        TrainingSettings ts = fig1Training(p);
        return String.format(Locale.ROOT,
                "2 x 1024 points (noise std 0.025), depth %d width %d leaky-ReLU, sign rule %s, BCE with logits, AdamW "
                        + "lr 1e-3 wd 1e-5, %d full-batch steps, lr x0.3 every %d steps; logit grid %dx%d on [-1.8, 1.8]^2",
                FiguresPreset.FIG1_DEPTH, p.fig1Width(), p.rule(), ts.steps(), ts.scheduleEvery(), p.fig1Grid(),
                p.fig1Grid());
    }

    private String fig2Settings(FiguresPreset p) {
        TrainingSettings ts = fig2Training(p);
        return String.format(Locale.ROOT,
                "training set = %dx%d grid on [-4, 4]^2, targets centred and divided by their max |.|; depth %d width %d "
                        + "leaky-ReLU, sign rule %s, MSE, AdamW lr %s wd 0.01 (PyTorch default), %d full-batch steps, lr x0.3 "
                        + "every %d steps; outputs clamped to [-1, 1], 12 levels; inset: side 2 around the highest vertex, %dx%d; "
                        + "each panel's unconstrained twin: same widths, seed (initialisation), data and training, no region",
                p.grid(), p.grid(), FiguresPreset.FIG2_DEPTH, p.fig2Width(), p.rule(), lr(ts), ts.steps(),
                ts.scheduleEvery(), p.insetGrid(), p.insetGrid());
    }

    private String fig3Settings(FiguresPreset p) {
        TrainingSettings ts = fig3Training(p);
        TreeSet<Integer> at = snapshotSteps(ts);
        return String.format(Locale.ROOT,
                "rays target on the %dx%d grid on [-4, 4]^2; depth %d width %d leaky-ReLU, sign rule %s, MSE, AdamW lr "
                        + "1e-3 wd 0.01, %d full-batch steps, lr x0.3 every %d steps; snapshots after steps %s",
                p.grid(), p.grid(), FiguresPreset.FIG3_DEPTH, p.fig3Width(), p.rule(), ts.steps(), ts.scheduleEvery(), at);
    }

    private static String lr(TrainingSettings ts) {
        return String.format(Locale.ROOT, "%.1e", ts.learningRate()).replace("e-0", "e-");
    }

    TrainingSettings fig1Training(FiguresPreset p) {
        return TrainingSettings.paper(p.fig1Steps(), 1e-3, 1e-5, 4, 0.3, LossKind.BCE_WITH_LOGITS, seed);
    }

    TrainingSettings fig2Training(FiguresPreset p) {
        return fig2Training(p, seed);
    }

    static TrainingSettings fig2Training(FiguresPreset p, long seed) {
        return TrainingSettings.paper(p.fig2Steps(), p.fig2LearningRate(), 0.01, p.fig2Drops(), 0.3, LossKind.MSE, seed);
    }

    TrainingSettings fig3Training(FiguresPreset p) {
        return TrainingSettings.paper(p.fig3Steps(), 1e-3, 0.01, 4, 0.3, LossKind.MSE, seed);
    }

    static TreeSet<Integer> snapshotSteps(TrainingSettings ts) {
        TreeSet<Integer> at = new TreeSet<>();
        for (int s : FIG3_SNAPSHOTS) {
            at.add(Math.min(s, ts.steps()));
        }
        at.add(ts.steps());
        return at;
    }

    // ------------------------------------------------------------------ helpers

    static PolicedMlp network(VertexRegion region, int depth, int width, SignRule rule) {
        int[] hidden = new int[depth];
        java.util.Arrays.fill(hidden, width);
        return PolicedMlp.builder()
                .setHidden(hidden)
                .setOutputs(1)
                .setRegion(region)
                .optActivation(Cpa.leakyRelu())
                .optSignRule(rule)
                .build();
    }

    /**
     * The final loss of the same network without the constraint: same size, seed (so the same
     * initialisation), data and training. A POLICEd network on a single point with margin 0 and
     * the smaller shift is exactly the plain network (every shift is {@code ReLU(-|h|) = 0}, value
     * and gradient), as the CLI's {@code --no-region} trains it.
     */
    private static double unconstrained(int depth, int width, double[][] points, double[] y, TrainingSettings ts, String target) {
        int[] hidden = new int[depth];
        java.util.Arrays.fill(hidden, width);
        PolicedMlp plain = PolicedMlp.builder()
                .setHidden(hidden)
                .setOutputs(1)
                .setRegion(VertexRegion.of("none", new double[][] {{0, 0}}))
                .optActivation(Cpa.leakyRelu())
                .optMargin(0)
                .optSignRule(SignRule.MINIMAL_SHIFT)
                .build();
        try (Model model = Model.newInstance("unconstrained"); NDManager m = NDManager.newBaseManager()) {
            model.setBlock(plain);
            NDArray x = m.create(flatten(points), new Shape(points.length, 2));
            NDArray yy = m.create(toFloat(y), new Shape(y.length, 1));
            return Fit.create().optProgress(true, "fig2 " + target + "/unconstrained").fit(model, x, yy, ts).finalLoss();
        }
    }

    /** The block's outputs at the points, in inference mode, with every array in a closed sub-manager. */
    static double[] evaluate(Model model, PolicedMlp block, double[][] points) {
        try (NDManager sub = model.getNDManager().newSubManager()) {
            NDArray x = sub.create(flatten(points), new Shape(points.length, 2));
            ParameterStore ps = new ParameterStore(sub, false);
            float[] f = block.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
            double[] v = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                v[i] = f[i];
            }
            return v;
        }
    }

    private static BufferedImage contour(Grid2d g, VertexRegion region, Grid2d zoom, String title, FiguresPreset p) {
        ContourPanel panel = new ContourPanel(g).levels(12).range(-1, 1).title(title)
                .size(p.panelPixels(), p.panelPixels());
        if (region != null) {
            panel.region(PaperData.polygonOrder(region.vertices()));
        }
        if (zoom != null) {
            panel.inset(zoom);
        }
        return panel.render().image();
    }

    static float[] flatten(double[][] rows) {
        int d = rows[0].length;
        float[] f = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < d; j++) {
                f[i * d + j] = (float) rows[i][j];
            }
        }
        return f;
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private String report(FiguresPreset p, Map<String, String> settings, double totalSeconds, String status) {
        StringBuilder sb = new StringBuilder();
        sb.append("# POLICE figures (preset ").append(p.name()).append(")\n\n");
        if (status != null) {
            sb.append("**").append(status).append("**\n\n");
        }
        sb.append(String.format(Locale.ROOT, "Seed %d; %d cores; Java %s; PyTorch threads: %s; total wall time %.1f s.%n%n",
                seed, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                ThreadPolicy.describe(), totalSeconds));
        sb.append("Every certificate is exact (every vertex through every hidden layer, no unit straddling the kink); ")
                .append("the deviations are max |net(x) - (A x + b)| at ").append(INTERIOR_SAMPLES)
                .append(" random interior points and at the vertices.\n\n");
        sb.append("Sign rule of every POLICEd network: ").append(p.rule())
                .append(". *unconstrained*: the final loss of the same network without the region (same widths, seed, data ")
                .append("and training), what the constraint costs; *side flips*: per hidden layer, first to last, how many ")
                .append("times a unit changed side over training (summed over steps).\n\n");
        sb.append("| figure | target | region | final loss | unconstrained | certified | interior deviation | vertex deviation "
                + "| first violation | side flips per layer | train s | files |\n");
        sb.append("|---|---|---|---:|---:|---|---:|---:|---|---|---:|---|\n");
        for (Run r : runs) {
            Certificate c = r.certificate();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.5g | %s | %s | %.3g | %.3g | %s | %s | %.1f | %s |%n",
                    r.figure(), r.target(), r.region(), r.finalLoss(),
                    Double.isNaN(r.unconstrainedLoss()) ? "-" : String.format(Locale.ROOT, "%.5g", r.unconstrainedLoss()),
                    c.certified() ? "yes" : "NO", c.interiorDeviation(), c.vertexDeviation(),
                    c.firstViolation() == null ? "none" : c.firstViolation().toString(), r.sideFlips(),
                    r.trainSeconds(), String.join(", ", r.files())));
        }
        sb.append("\n## Settings\n\n");
        for (Map.Entry<String, String> e : settings.entrySet()) {
            sb.append("- **").append(e.getKey()).append("**: ").append(e.getValue()).append('\n');
        }
        if (p == FiguresPreset.QUICK) {
            sb.append("\nPreset quick shrinks the paper's settings (2000 steps, widths 128/256, 100x100 grid, lr 5e-4 on ")
                    .append("Figure 2, sign rule MAJORITY) to ")
                    .append(p.fig2Steps()).append(" steps, width ").append(p.fig2Width()).append(" and a ")
                    .append(p.grid()).append('x').append(p.grid())
                    .append(" grid so that all figures finish in a few minutes on a 2-core CPU, and makes up for the smaller ")
                    .append("budget on Figure 2 with lr ").append(lr(fig2Training(p))).append(" (four drops by x0.3 instead of ")
                    .append("three) and the sign rule ").append(p.rule())
                    .append(", which does not thrash (docs/SIGN-RULES.md). Use --preset paper for the paper's settings.\n");
        } else if (p == FiguresPreset.PAPER) {
            sb.append("\nPreset paper: the authors' scripts' sizes, learning rates and sign rule (MAJORITY); Figure 1 uses ")
                    .append("width 128 as in the script (the caption says 256).\n");
        }
        return sb.toString();
    }
}
