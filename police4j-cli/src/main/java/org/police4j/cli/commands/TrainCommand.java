package org.police4j.cli.commands;

import ai.djl.Device;
import ai.djl.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.police4j.certify.Certificate;
import org.police4j.cli.base.CliCommand;
import org.police4j.cli.data.InputException;
import org.police4j.cli.data.LabelEncoding;
import org.police4j.cli.data.RegionSpec;
import org.police4j.cli.data.Standardizer;
import org.police4j.engine.ShiftEngine;
import org.police4j.engine.SignRule;
import org.police4j.io.ModelIo;
import org.police4j.engine.Cpa;
import org.police4j.region.AffineHull;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code police4j train}: fits a POLICEd MLP to a CSV file and saves a model directory
 * ({@code model.json}, {@code parameters.bin}, {@code certificate.json}, {@code loss.png}) that
 * appears complete at once. Nothing is written when the input is bad (exit 2). When the loss
 * becomes non-finite the last good in-memory checkpoint is saved instead and the exit code is 3.
 *
 * <p>The command checks its options and reports; the work is in three steps, each its own class:
 * {@link TrainingData} (the CSV file read, split and scaled), {@link TrainingRun} (train, roll
 * back, certify) and {@link TrainingRecord} (the model directory written).
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Train a network that is provably affine on REGION and save it to a model directory.",
            "Exit codes: 0 trained, 2 bad input (nothing written), 3 the loss became non-finite"
                    + " (the last good checkpoint is saved)."
        })
public final class TrainCommand extends CliCommand {

    private final GradientSource gradients;

    /** The one-JVM command: every step's gradient computed here. */
    public TrainCommand() {
        this(null);
    }

    /**
     * The command with its steps' gradients from elsewhere (data-parallel training): the same
     * options, data preparation, loop, certificate and model directory. Full batches only
     * ({@code --batch 0}).
     *
     * @param gradients where each step's full-batch gradient comes from
     */
    public TrainCommand(GradientSource gradients) {
        this.gradients = gradients;
    }

    @Option(names = "--data", required = true, paramLabel = "FILE.csv", description = "Training data with a header row.")
    Path data;

    @Option(names = "--target", required = true, split = ",", paramLabel = "COL",
            description = "Target column(s); exactly one for classification.")
    List<String> targets;

    @Option(names = "--features", split = ",", paramLabel = "COL",
            description = "Feature columns (default: every non-target column).")
    List<String> features;

    @Option(names = "--region", paramLabel = "REGION",
            description = "The region, in raw feature coordinates: " + RegionSpec.FORMS + ".")
    String region;

    @Option(names = "--no-region",
            description = "An unconstrained baseline to compare against: the same network, data split, seed and"
                    + " training, without POLICE (no region, no certificate; labelled so in model.json and info).")
    boolean noRegion;

    @Option(names = "--task", required = true, description = "regression or classification.")
    Task task;

    @Option(names = "--hidden", split = ",", defaultValue = "256,256,256", paramLabel = "W",
            description = "Hidden widths (default: ${DEFAULT-VALUE}).")
    int[] hidden;

    @Option(names = "--activation", defaultValue = "leaky_relu",
            description = "leaky_relu, leaky_relu:SLOPE, relu, abs, relu6, hardtanh or piecewise:KINKS:SLOPES:VALUE"
                    + " (e.g. piecewise:-1,1:0,1,0:-1 is hardtanh; default: ${DEFAULT-VALUE}).")
    String activation;

    /** --steps or --epochs. */
    static final class Length {
        @Option(names = "--steps", paramLabel = "N", description = "Optimiser steps (default: 1000).")
        Integer steps;

        @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training rows.")
        Integer epochs;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Length length;

    @Option(names = "--batch", defaultValue = "256", paramLabel = "N",
            description = "Rows per step; 0 = full batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", paramLabel = "X", description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--weight-decay", defaultValue = "0", paramLabel = "X", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--schedule", paramLabel = "every:K,gamma:G",
            description = "Multiply the learning rate by G every K steps (default: constant).")
    String schedule;

    @Option(names = "--val-fraction", defaultValue = "0.2", paramLabel = "F",
            description = "Fraction of rows held out for validation, 0 <= F < 1 (default: ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(names = "--standardize", description = "Standardise the features (the region is mapped too, so the guarantee holds in raw coordinates).")
    boolean standardize;

    @Option(names = "--standardize-target",
            description = "Regression: train on targets standardised over the training rows; the scaling is folded"
                    + " back into the output layer after training, so predictions, the reported losses and the affine"
                    + " map are in the targets' own units (the progress bar and loss.png show standardised units).")
    boolean standardizeTarget;

    @Option(names = "--seed", defaultValue = "0", description = "Seeds the split, the initialisation and the batches (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--margin", paramLabel = "X", description = "The POLICE margin in pre-activation units (default: " + ShiftEngine.DEFAULT_MARGIN + ").")
    Double margin;

    @Option(names = "--sign-rule", paramLabel = "RULE",
            description = "How each unit's side is chosen: HYSTERESIS (default: keeps a side until the region is wholly on the other),"
                    + " CENTER, MAJORITY (the paper's) or MINIMAL_SHIFT.")
    SignRule signRule;

    @Option(names = "--eval-every", defaultValue = "10", paramLabel = "N",
            description = "Steps between validation losses with --steps (default: ${DEFAULT-VALUE}); with --epochs, every epoch.")
    int evalEvery;

    @Option(names = "--checkpoint-every", defaultValue = "50", paramLabel = "N",
            description = "Steps between the in-memory checkpoints kept in case the loss diverges (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--samples", defaultValue = "1000", paramLabel = "N",
            description = "Interior points of the region checked against the affine map (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--devices", split = ",", paramLabel = "DEVICE",
            description = "Devices that share each step's gradient, e.g. gpu0,gpu1 (default: the engine's default device);"
                    + " the same gradient as one device (docs/DEVICES.md).")
    List<String> devices;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    boolean quiet;

    @Option(names = "--out", required = true, paramLabel = "MODEL_DIR", description = "The model directory to create or replace.")
    Path out;

    @Override
    protected int run() throws Exception {
        long wallStart = System.nanoTime();
        checkOptions();
        double[] scheduleSpec = parseSchedule(schedule);
        Cpa cpa = Cpa.parse(activation);
        checkOutDir(out);

        TrainingData.Spec dataSpec = new TrainingData.Spec(data, targets, features, task, region, noRegion, signRule,
                valFraction, seed, standardize, standardizeTarget);
        TrainingData prepared = TrainingData.prepare(dataSpec, err());
        TrainingRun.Spec runSpec = new TrainingRun.Spec(hidden, cpa, margin, signRule, noRegion,
                length == null ? null : length.steps, length == null ? null : length.epochs, batch, lr, weightDecay,
                scheduleSpec, evalEvery, checkpointEvery, samples, seed, quiet, parseDevices());
        try (Model model = Model.newInstance("police4j")) {
            TrainingRun.Outcome run = TrainingRun.run(model, prepared, runSpec, gradients);
            if (run.nothingKept()) {
                err().println("police4j: training failed: " + run.fit().stopReason()
                        + ", before any good state; nothing was saved. " + advice());
                err().flush();
                return EXIT_FAILURE;
            }
            TrainingRecord.of(dataSpec, prepared, runSpec, run).write(out);
            report(prepared, run, wallStart);
            return run.diverged() ? EXIT_FAILURE : 0;
        }
    }

    /** The run's summary on standard output; a missing certificate or a divergence on standard error. */
    private void report(TrainingData prepared, TrainingRun.Outcome run, long wallStart) {
        Certificate cert = run.certificate();
        StringBuilder sb = new StringBuilder();
        sb.append(run.diverged()
                ? String.format(Locale.ROOT, "%s (after %.2f s); kept the checkpoint after step %d",
                        run.fit().stopReason(), run.seconds(), run.keptStep())
                : String.format(Locale.ROOT, "trained %d steps in %.2f s", run.keptStep(), run.seconds()));
        sb.append(String.format(Locale.ROOT, ": train loss %s, validation loss %s", fmt(run.trainLoss()),
                prepared.valCount() == 0 ? "n/a (--val-fraction 0)" : fmt(run.valLoss())));
        if (run.trainAccuracy() != null) {
            sb.append(String.format(Locale.ROOT, ", train accuracy %.4f", run.trainAccuracy()));
            if (run.valAccuracy() != null) {
                sb.append(String.format(Locale.ROOT, ", validation accuracy %.4f", run.valAccuracy()));
            }
        }
        sb.append(String.format(Locale.ROOT, " (%d train rows, %d validation rows)%n", prepared.trainCount(),
                prepared.valCount()));
        out().print(sb);
        if (cert == null) {
            out().println("no certificate: unconstrained baseline (--no-region)");
        } else {
            out().print(describeCertificate(cert, prepared.standardizer(), prepared.features(),
                    outputNames(task, prepared.targets(), prepared.labels()), prepared.hull()));
        }
        out().printf(Locale.ROOT, "saved %s (model.json, parameters.bin, certificate.json, loss.png, checksums.sha256);"
                + " total %.2f s%n", out, (System.nanoTime() - wallStart) / 1e9);
        out().flush();
        if (cert != null && !cert.certified()) {
            err().println("police4j: warning: the trained network is NOT certified affine on the region"
                    + " (see above); try a larger --margin");
            err().flush();
        }
        if (run.diverged()) {
            err().printf(Locale.ROOT,
                    "police4j: training diverged: %s; saved the last good checkpoint (after step %d) to %s. %s%n",
                    run.fit().stopReason(), run.keptStep(), out, advice());
            err().flush();
        }
    }

    private String advice() {
        return "Try a lower --lr (now " + lr + ")" + (standardize ? "" : " or --standardize")
                + (task == Task.regression && !standardizeTarget ? ", or --standardize-target" : "") + ".";
    }

    /** The {@code --devices}, checked: known names, GPUs that the engine sees. */
    private List<Device> parseDevices() {
        if (devices == null || devices.isEmpty()) {
            return List.of();
        }
        if (gradients != null) {
            throw new InputException("--devices " + String.join(",", devices)
                    + ": the gradients are computed elsewhere (data-parallel) here; leave --devices out");
        }
        int gpus = ai.djl.engine.Engine.getInstance().getGpuCount();
        List<Device> out = new ArrayList<>();
        for (String name : devices) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            Device d;
            if (n.equals("cpu")) {
                d = Device.cpu();
            } else if (n.matches("gpu\\d+")) {
                int i = Integer.parseInt(n.substring(3));
                if (i >= gpus) {
                    throw new InputException("--devices: '" + name + "'; this machine's engine sees " + gpus
                            + " GPU(s) (gpu0 to gpu" + (gpus - 1) + ")");
                }
                d = Device.gpu(i);
            } else {
                throw new InputException("--devices: '" + name + "'; expected cpu or gpuN (N from 0), comma-separated");
            }
            out.add(d);
        }
        return out;
    }

    private void checkOptions() {
        if (noRegion && region != null) {
            throw new InputException("--region " + region + " and --no-region: give one of them, not both");
        }
        if (!noRegion && region == null) {
            throw new InputException("--region is missing; expected one of: " + RegionSpec.FORMS
                    + "; or --no-region for an unconstrained baseline");
        }
        if (noRegion && (margin != null || signRule != null)) {
            throw new InputException("--no-region trains without the constraint: --margin and --sign-rule have no"
                    + " effect there; leave them out");
        }
        if (standardizeTarget && task != Task.regression) {
            throw new InputException("--standardize-target: only for --task regression (the task is " + task + ")");
        }
        for (int l = 0; l < hidden.length; l++) {
            if (hidden[l] <= 0) {
                throw new InputException("--hidden: width " + hidden[l] + " at position " + (l + 1)
                        + " of '" + joinInts(hidden) + "'; expected positive integers, e.g. --hidden 64,64");
            }
        }
        if (hidden.length == 0) {
            throw new InputException("--hidden: no width; expected at least one, e.g. --hidden 64,64");
        }
        if (length != null && length.steps != null && length.steps <= 0) {
            throw new InputException("--steps: " + length.steps + "; expected a positive integer");
        }
        if (length != null && length.epochs != null && length.epochs <= 0) {
            throw new InputException("--epochs: " + length.epochs + "; expected a positive integer");
        }
        if (batch < 0) {
            throw new InputException("--batch: " + batch + "; expected a positive integer, or 0 for full batch");
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new InputException("--lr: " + lr + "; expected a finite number > 0");
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new InputException("--weight-decay: " + weightDecay + "; expected a finite number >= 0");
        }
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new InputException("--val-fraction: " + valFraction + "; expected 0 <= F < 1");
        }
        if (margin != null && !(margin >= 0 && Double.isFinite(margin))) {
            throw new InputException("--margin: " + margin + "; expected a finite number >= 0");
        }
        if (evalEvery <= 0) {
            throw new InputException("--eval-every: " + evalEvery + "; expected a positive integer");
        }
        if (checkpointEvery <= 0) {
            throw new InputException("--checkpoint-every: " + checkpointEvery + "; expected a positive integer");
        }
        if (samples < 0) {
            throw new InputException("--samples: " + samples + "; expected >= 0");
        }
    }

    /** Parses {@code every:K,gamma:G} (either order; gamma defaults to 0.1); null when absent. */
    static double[] parseSchedule(String text) {
        if (text == null) {
            return null;
        }
        Integer every = null;
        double gamma = 0.1;
        for (String part : text.split(",")) {
            String[] kv = part.strip().split(":", 2);
            String key = kv[0].strip().toLowerCase(Locale.ROOT);
            if (kv.length != 2 || !(key.equals("every") || key.equals("gamma"))) {
                throw new InputException("--schedule: '" + text + "' is malformed at '" + part
                        + "'; expected every:K,gamma:G, e.g. every:500,gamma:0.5");
            }
            try {
                if (key.equals("every")) {
                    every = Integer.parseInt(kv[1].strip());
                } else {
                    gamma = Double.parseDouble(kv[1].strip());
                }
            } catch (NumberFormatException e) {
                throw new InputException("--schedule: '" + kv[1].strip() + "' in '" + text
                        + "' is not a number; expected every:K,gamma:G, e.g. every:500,gamma:0.5");
            }
        }
        if (every == null || every <= 0) {
            throw new InputException("--schedule: '" + text + "' needs every:K with K > 0, e.g. every:500,gamma:0.5");
        }
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new InputException("--schedule: gamma " + gamma + " in '" + text + "'; expected a finite number > 0");
        }
        return new double[] {every, gamma};
    }

    /** Refuses to replace a directory that is not a police4j model (it could be the user's data). */
    static void checkOutDir(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new InputException("--out " + dir + " exists and is not a directory");
        }
        try (Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isPresent() && !Files.isRegularFile(dir.resolve(ModelIo.MODEL_JSON))) {
                throw new InputException("--out " + dir + " exists, is not empty and is not a police4j model"
                        + " directory (no model.json); refusing to replace it");
            }
        }
    }

    static List<String> outputNames(Task task, List<String> targets, LabelEncoding labels) {
        if (task == Task.regression) {
            return targets;
        }
        List<String> names = new ArrayList<>();
        if (labels.classes() == 2) {
            names.add("logit_" + labels.label(1));
        } else {
            labels.labels().forEach(l -> names.add("logit_" + l));
        }
        return names;
    }

    /**
     * The certificate's summary, plus the map in raw coordinates when the inputs are standardised;
     * for a region of lower affine dimension than the data, the map only where it is determined.
     */
    static String describeCertificate(Certificate cert, Standardizer s, List<String> features, List<String> outputs,
            AffineHull hull) {
        StringBuilder sb = new StringBuilder();
        if (!hull.isFull()) {
            String summary = cert.summary();
            int cut = summary.indexOf("  affine map ");
            sb.append(s == null ? "" : "certificate (network inputs are standardised features z = (x - mean) / std):\n");
            sb.append(cut < 0 ? summary : summary.substring(0, cut));
            double[][] a = s == null ? cert.a() : AffineMaps.rawA(cert.a(), s);
            double[] b = s == null ? cert.b() : AffineMaps.rawB(cert.a(), cert.b(), s);
            if (!cert.certified()) {
                sb.append("  (majority-pattern map, NOT valid on the whole region)\n");
            }
            sb.append(RegionHull.describe(hull, a, b, features, outputs, Certificate.SMALL_MAP_ENTRIES));
            return sb.toString();
        }
        if (s == null) {
            sb.append(cert.summary());
            return sb.toString();
        }
        sb.append("certificate (network inputs are standardised features z = (x - mean) / std):\n");
        sb.append(cert.summary());
        sb.append(cert.certified()
                ? "  affine map on the region in raw coordinates:\n"
                : "  majority-pattern map in raw coordinates (NOT valid on the whole region):\n");
        double[][] a = cert.a();
        sb.append(AffineMaps.format(AffineMaps.rawA(a, s), AffineMaps.rawB(a, cert.b(), s), features, outputs,
                Certificate.SMALL_MAP_ENTRIES));
        return sb.toString();
    }

    private static String joinInts(int[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(v[i]);
        }
        return sb.toString();
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }
}
