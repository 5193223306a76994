package org.police4j.experiments.paper;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.cli.base.ThreadsOption;
import org.police4j.cli.plot.Png;
import org.police4j.engine.SignRule;
import org.police4j.engine.Strategy;
import org.police4j.experiments.plot.ContourPanel;
import org.police4j.experiments.plot.Figure;
import org.police4j.experiments.plot.Grid2d;
import org.police4j.nn.AffineTarget;
import org.police4j.engine.Cpa;
import org.police4j.nn.PlainMlp;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.train.Fit;
import org.police4j.train.FitResult;
import org.police4j.train.LossKind;
import org.police4j.train.SideFlips;
import org.police4j.train.StepListener;
import org.police4j.train.TrainingSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What police4j adds to the paper, measured on the paper's own tasks: the three sign rules on the
 * Figure 2 regressions, a network affine on three regions at once (each with its own map), the
 * cost of a 50-vertex region with and without affine-map tracking, and the paper's Eq. (2) (a
 * prescribed plane on R) in exact and penalty form. Every trained network is certified.
 */
@Command(
        name = "beyond",
        mixinStandardHelpOptions = true,
        description = "Beyond the paper: sign rules, several regions, region cost, affine targets; writes beyond_report.md and PNGs.")
public final class BeyondCommand implements Callable<Integer> {

    static final List<String> PARTS = List.of("rules", "detached", "multi", "cost", "target");

    @Option(names = "--preset", defaultValue = "quick", description = "quick or paper (Figure 2's sizes). Default: ${DEFAULT-VALUE}.")
    String preset;

    @Option(names = "--out", defaultValue = "beyond-out", description = "Output directory. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--only", split = ",", description = "Comma-separated subset of: rules, detached, multi, cost, target.")
    List<String> only;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of every network. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--cost-steps", defaultValue = "30", description = "Timed steps per variant in the cost part. Default: ${DEFAULT-VALUE}.")
    int costSteps;

    @Spec CommandSpec spec;

    @Mixin ThreadsOption threads;

    /** Every certificate produced, for tests. */
    final List<Certificate> certificates = new ArrayList<>();

    private final StringBuilder report = new StringBuilder();

    @Override
    public Integer call() throws IOException {
        FiguresPreset p = FiguresPreset.named(preset);
        if (only != null) {
            for (String part : only) {
                if (!PARTS.contains(part)) {
                    throw new IllegalArgumentException("--only: " + part + "; expected some of " + PARTS);
                }
            }
        }
        if (costSteps < 1) {
            throw new IllegalArgumentException("--cost-steps: " + costSteps + "; expected >= 1");
        }
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(out);
        report.setLength(0);
        certificates.clear();
        report.append("# Beyond the paper (preset ").append(p.name()).append(")\n\n");
        if (wants("rules")) {
            rules(p);
        }
        if (wants("detached")) {
            detached(p);
        }
        if (wants("multi")) {
            multi(p);
        }
        if (wants("cost")) {
            cost(p);
        }
        if (wants("target")) {
            target(p);
        }
        AtomicText.write(out.resolve("beyond_report.md"), report.toString());
        spec.commandLine().getOut().print(report);
        spec.commandLine().getOut().println("wrote " + out.resolve("beyond_report.md") + " (and its figures) in "
                + out.toAbsolutePath());
        spec.commandLine().getOut().flush();
        return certificates.stream().allMatch(Certificate::certified) ? 0 : 1;
    }

    private boolean wants(String part) {
        return only == null || only.contains(part);
    }

    private TrainingSettings settings(FiguresPreset p) {
        return FiguresCommand.fig2Training(p, seed); // the figure's own training, so the tables compare with it
    }

    private int[] hidden(FiguresPreset p) {
        int[] h = new int[FiguresPreset.FIG2_DEPTH];
        java.util.Arrays.fill(h, p.fig2Width());
        return h;
    }

    /** What to do with a trained network before its model (which owns the parameters) closes. */
    @FunctionalInterface
    private interface Then<T> {
        T apply(Model model, FitResult fit) throws IOException;
    }

    /** Trains on the lattice, then runs {@code then} while the parameters are alive. */
    private <T> T train(PolicedMlp block, double[][] points, double[] y, TrainingSettings ts, String name, Then<T> then)
            throws IOException {
        return train(block, points, y, ts, name, (step, loss, b) -> {}, then);
    }

    private <T> T train(PolicedMlp block, double[][] points, double[] y, TrainingSettings ts, String name,
            StepListener listener, Then<T> then) throws IOException {
        try (Model model = Model.newInstance(name); NDManager m = NDManager.newBaseManager()) {
            model.setBlock(block);
            NDArray x = m.create(FiguresCommand.flatten(points), new Shape(points.length, 2));
            NDArray yy = m.create(FiguresCommand.toFloat(y), new Shape(y.length, 1));
            return then.apply(model, Fit.create().optProgress(true, name).optListener(listener).fit(model, x, yy, ts));
        }
    }

    // ------------------------------------------------------------------ sign rules

    private void rules(FiguresPreset p) throws IOException {
        List<String> names = new ArrayList<>();
        List<Function<VertexRegion, PolicedMlp>> variants = new ArrayList<>();
        for (SignRule rule : SignRule.values()) {
            names.add(rule.name());
            variants.add(region -> fig2Block(p, region).optSignRule(rule).build());
        }
        report.append("## Sign rules on the Figure 2 tasks\n\n")
                .append("Seed ").append(seed).append(" only; docs/SIGN-RULES.md has five seeds. In brackets: training seconds, ")
                .append("and per hidden layer (first to last) how many times a unit changed side over training.\n\n");
        lossTable(p, names, variants);
    }

    // ------------------------------------------------------------------ detached shift

    private void detached(FiguresPreset p) throws IOException {
        report.append("## Detached shift on the Figure 2 tasks\n\n"
                + "The detached mode runs the region pass without gradient: the constraint holds exactly, but the "
                + "optimiser no longer sees how the shift moves with the weights. The preset's sign rule (")
                .append(p.rule()).append(", as in its Figure 2); seconds are the whole training (shown in brackets).\n\n");
        lossTable(p, List.of("exact gradient", "detached"), List.of(
                region -> fig2Block(p, region).optSignRule(p.rule()).build(),
                region -> fig2Block(p, region).optSignRule(p.rule()).optDetachedShift(true).build()));
    }

    private PolicedMlp.Builder fig2Block(FiguresPreset p, VertexRegion region) {
        return PolicedMlp.builder().setRegion(region).setHidden(hidden(p)).setOutputs(1).optActivation(Cpa.leakyRelu());
    }

    /**
     * Trains every variant on the nine Figure 2 tasks (3 targets x 3 regions), same seed and
     * settings, certifies each network, and reports the final training losses and their means.
     */
    private void lossTable(FiguresPreset p, List<String> names, List<Function<VertexRegion, PolicedMlp>> variants)
            throws IOException {
        VertexRegion[] regions = {Regions.paperTriangle(), Regions.paperOctagon(), Regions.paperCircle()};
        double[][] points = PaperData.lattice(-4, 4, p.grid());
        report.append("Final training loss (MSE), same seed and settings for every cell: ")
                .append(fig2Text(p)).append(". Every network certified.\n\n| target | region |");
        for (String name : names) {
            report.append(' ').append(name).append(" |");
        }
        report.append("\n|---|---|").append("---|".repeat(names.size())).append('\n');
        double[] sums = new double[names.size()];
        double[] seconds = new double[names.size()];
        for (String target : FiguresCommand.TARGETS) {
            double[] y = PaperData.normalizedTarget(target, points);
            for (VertexRegion region : regions) {
                report.append("| ").append(target).append(" | ").append(region.name());
                for (int v = 0; v < names.size(); v++) {
                    PolicedMlp block = variants.get(v).apply(region);
                    SideFlips flips = SideFlips.create();
                    FitResult fit = train(block, points, y, settings(p), target + "/" + region.name() + "/" + names.get(v),
                            flips, (model, f) -> {
                                certificates.add(Certify.policed(block, Certify.Options.defaults().optInteriorSamples(FiguresCommand.INTERIOR_SAMPLES).optSeed(seed)));
                                return f;
                            });
                    sums[v] += fit.finalLoss();
                    seconds[v] += fit.seconds();
                    report.append(String.format(Locale.ROOT, " | %.4f (%.1f s; flips %s)", fit.finalLoss(), fit.seconds(),
                            flips.describe().replace(" ", "")));
                }
                report.append(" |\n");
            }
        }
        report.append("| **mean** | |");
        for (int v = 0; v < names.size(); v++) {
            report.append(String.format(Locale.ROOT, " **%.4f** (%.1f s) |", sums[v] / 9, seconds[v] / 9));
        }
        report.append("\n\n");
    }

    // ------------------------------------------------------------------ several regions

    static List<VertexRegion> threeRegions() {
        return List.of(
                Regions.regularPolygon(3, new double[] {-2, 2}, 1.2, Math.PI / 2),
                Regions.regularPolygon(4, new double[] {2, -2}, 1.2, Math.PI / 4),
                Regions.regularPolygon(6, new double[] {-2, -2}, 1.2, 0));
    }

    private void multi(FiguresPreset p) throws IOException {
        List<VertexRegion> regions = threeRegions();
        double[][] points = PaperData.lattice(-4, 4, p.grid());
        double[] y = PaperData.normalizedTarget("wave", points);
        PolicedMlp block = PolicedMlp.builder().setRegions(regions).setHidden(hidden(p)).setOutputs(1)
                .optActivation(Cpa.leakyRelu()).build();
        List<Certificate> certs = new ArrayList<>();
        double[][] outputsHolder = new double[1][];
        FitResult fit = train(block, points, y, settings(p), "multi wave/3 regions", (model, f) -> {
            certs.addAll(Certify.perRegion(block, Certify.Options.defaults().optInteriorSamples(FiguresCommand.INTERIOR_SAMPLES).optSeed(seed)));
            outputsHolder[0] = FiguresCommand.evaluate(model, block, points);
            return f;
        });
        certificates.addAll(certs);
        double[] outputs = outputsHolder[0];
        Grid2d target = PaperData.toGrid(-4, 4, -4, 4, p.grid(), y);
        Grid2d output = PaperData.toGrid(-4, 4, -4, 4, p.grid(), outputs);
        ContourPanel left = new ContourPanel(target).levels(12).range(-1, 1).title("target: wave")
                .size(p.panelPixels(), p.panelPixels());
        ContourPanel right = new ContourPanel(output).levels(12).range(-1, 1)
                .title("POLICEd on 3 regions (" + p.name() + ")").size(p.panelPixels(), p.panelPixels());
        for (VertexRegion r : regions) {
            right.addRegion(PaperData.polygonOrder(r.vertices()));
        }
        BufferedImage figure = Figure.row(null, left.render().image(), right.render().image());
        Png.write(figure, out.resolve("multi_region.png"));
        report.append("## Three regions at once, each with its own affine map\n\n")
                .append("Wave target, ").append(fig2Text(p)).append(String.format(Locale.ROOT,
                        "; final loss %.4f. `multi_region.png`.\n\n", fit.finalLoss()))
                .append("| region | certified | certified map f(x) = a.x + b on the region | interior deviation |\n|---|---|---|---|\n");
        for (int j = 0; j < regions.size(); j++) {
            Certificate c = certs.get(j);
            report.append(String.format(Locale.ROOT, "| %s at (%.0f, %.0f) | %s | a = (%.4f, %.4f), b = %.4f | %.1e |\n",
                    regions.get(j).name(), regions.get(j).center()[0], regions.get(j).center()[1],
                    c.certified() ? "yes" : "NO", c.a()[0][0], c.a()[0][1], c.b()[0], c.interiorDeviation()));
        }
        report.append('\n');
    }

    // ------------------------------------------------------------------ region cost

    private void cost(FiguresPreset p) {
        int n = p.name().equals("tiny") ? 256 : 10_000;
        int width = p.name().equals("tiny") ? 16 : 256;
        int[] hidden = {width, width, width, width};
        String[] names = {"unconstrained", "triangle (P=3), vertex rows", "circle (P=48), vertex rows", "circle (P=48), affine map"};
        Block[] blocks = {
            PlainMlp.build(2, hidden, 1, Cpa.leakyRelu()),
            PolicedMlp.builder().setRegion(Regions.paperTriangle()).setHidden(hidden).setOutputs(1).optStrategy(Strategy.VERTEX_ROWS).build(),
            PolicedMlp.builder().setRegion(Regions.paperCircle()).setHidden(hidden).setOutputs(1).optStrategy(Strategy.VERTEX_ROWS).build(),
            PolicedMlp.builder().setRegion(Regions.paperCircle()).setHidden(hidden).setOutputs(1).optStrategy(Strategy.AFFINE_MAP).build(),
        };
        Loss loss = LossKind.MSE.toDjl();
        List<Model> models = new ArrayList<>();
        List<Trainer> trainers = new ArrayList<>();
        double[][] ms = new double[blocks.length][costSteps];
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed((int) seed);
            NDArray x = m.randomUniform(-4f, 4f, new Shape(n, 2));
            NDArray y = x.get(":, 0").mul(3).cos().mul(x.get(":, 1").cos()).reshape(n, 1);
            for (int i = 0; i < blocks.length; i++) {
                Model model = Model.newInstance("cost" + i);
                model.setBlock(blocks[i]);
                Trainer t = model.newTrainer(new DefaultTrainingConfig(loss)
                        .optOptimizer(Optimizer.adamW().optLearningRateTracker(Tracker.fixed(5e-4f)).build()));
                Engine.getInstance().setRandomSeed((int) seed);
                t.initialize(new Shape(1, 2));
                models.add(model);
                trainers.add(t);
            }
            int warmup = Math.max(2, costSteps / 5);
            for (int s = -warmup; s < costSteps; s++) {
                for (int i = 0; i < blocks.length; i++) { // interleaved: every variant sees the same machine state
                    double t = Table1Command.trainStep(trainers.get(i), loss, x, y);
                    if (s >= 0) {
                        ms[i][s] = t;
                    }
                }
            }
        } finally {
            trainers.forEach(Trainer::close);
            models.forEach(Model::close);
        }
        Table1Command.Stats[] stats = new Table1Command.Stats[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            stats[i] = Table1Command.Stats.of(ms[i]);
        }
        report.append("## Cost of a many-vertex region\n\n")
                .append(String.format(Locale.ROOT, "Training step (forward + loss + backward; optimiser step not timed), "
                        + "N = %d, depth 4, width %d, %d timed steps per variant interleaved after warm-up, %s.\n\n",
                        n, width, costSteps, Table1Command.machineFacts().replace('\n', ' ')))
                .append("| variant | ms (mean ± std, median) | median / triangle |\n|---|---|---|\n");
        for (int i = 0; i < blocks.length; i++) {
            report.append(String.format(Locale.ROOT, "| %s | %s | %.3f |\n", names[i], stats[i].text(),
                    stats[i].median() / stats[1].median()));
        }
        report.append('\n');
    }

    // ------------------------------------------------------------------ affine target

    static final double[][] TARGET_A = {{0.3, -0.2}};
    static final double[] TARGET_B = {0.1};

    private void target(FiguresPreset p) throws IOException {
        VertexRegion triangle = Regions.paperTriangle();
        double[][] points = PaperData.lattice(-4, 4, p.grid());
        double[] y = PaperData.normalizedTarget("rays", points);
        List<BufferedImage> panels = new ArrayList<>();
        panels.add(new ContourPanel(PaperData.toGrid(-4, 4, -4, 4, p.grid(), y)).levels(12).range(-1, 1)
                .title("target: rays").size(p.panelPixels(), p.panelPixels()).render().image());
        report.append("## A prescribed plane on R (the paper's Eq. 2)\n\n")
                .append("Rays target, triangle region, f(x) = 0.3 x1 - 0.2 x2 + 0.1 required on R; ")
                .append(fig2Text(p)).append(". `affine_target.png`.\n\n")
                .append("| form | certified | max abs(A - A*) | abs(b - b*) | final loss |\n|---|---|---|---|---|\n");
        for (AffineTarget t : List.of(AffineTarget.exact(TARGET_A, TARGET_B), AffineTarget.penalty(TARGET_A, TARGET_B, 100))) {
            PolicedMlp block = PolicedMlp.builder().setRegion(triangle).setHidden(hidden(p)).setOutputs(1)
                    .optActivation(Cpa.leakyRelu()).optSignRule(p.rule()).optAffineTarget(t).build();
            String form = t.mode() == AffineTarget.Mode.EXACT ? "exact projection" : "penalty (weight 100)";
            double[][] outputsHolder = new double[1][];
            Certificate[] cert = new Certificate[1];
            FitResult fit = train(block, points, y, settings(p), "target " + form, (model, f) -> {
                cert[0] = Certify.policed(block, Certify.Options.defaults().optInteriorSamples(FiguresCommand.INTERIOR_SAMPLES).optSeed(seed));
                outputsHolder[0] = FiguresCommand.evaluate(model, block, points);
                return f;
            });
            Certificate c = cert[0];
            certificates.add(c);
            double da = Math.max(Math.abs(c.a()[0][0] - TARGET_A[0][0]), Math.abs(c.a()[0][1] - TARGET_A[0][1]));
            double db = Math.abs(c.b()[0] - TARGET_B[0]);
            report.append(String.format(Locale.ROOT, "| %s | %s | %.1e | %.1e | %.4f |\n", form,
                    c.certified() ? "yes" : "NO", da, db, fit.finalLoss()));
            double[] outputs = outputsHolder[0];
            panels.add(new ContourPanel(PaperData.toGrid(-4, 4, -4, 4, p.grid(), outputs)).levels(12).range(-1, 1)
                    .region(PaperData.polygonOrder(triangle.vertices())).title(form)
                    .size(p.panelPixels(), p.panelPixels()).render().image());
        }
        Png.write(Figure.row(null, panels.toArray(new BufferedImage[0])), out.resolve("affine_target.png"));
        report.append('\n');
    }

    private String fig2Text(FiguresPreset p) {
        TrainingSettings ts = settings(p);
        return String.format(Locale.ROOT, "%dx%d grid on [-4, 4]^2, depth 4 width %d leaky-ReLU, AdamW lr %.1e wd 0.01, "
                + "%d full-batch steps, lr x0.3 every %d", p.grid(), p.grid(), p.fig2Width(), ts.learningRate(),
                p.fig2Steps(), ts.scheduleEvery()).replace("e-0", "e-");
    }
}
