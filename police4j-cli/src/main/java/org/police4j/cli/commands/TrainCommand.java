package org.police4j.cli.commands;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.cli.data.ColumnSelection;
import org.police4j.cli.data.CsvTable;
import org.police4j.cli.data.InputException;
import org.police4j.cli.data.LabelEncoding;
import org.police4j.cli.data.RegionSpec;
import org.police4j.cli.data.Standardizer;
import org.police4j.cli.data.SupportRegionSpec;
import org.police4j.cli.plot.LossCurve;
import org.police4j.engine.ShiftEngine;
import org.police4j.engine.SignRule;
import org.police4j.io.AtomicDirectory;
import org.police4j.io.DirectoryManifest;
import org.police4j.io.ModelIo;
import org.police4j.io.RegionJson;
import org.police4j.nn.Cpa;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.AffineHull;
import org.police4j.region.Region;
import org.police4j.region.SupportRegion;
import org.police4j.region.VertexRegion;
import org.police4j.train.Fit;
import org.police4j.train.FitResult;
import org.police4j.train.LossKind;
import org.police4j.train.StepListener;
import org.police4j.train.TrainingSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code police4j train}: fits a POLICEd MLP to a CSV file and saves a model directory
 * ({@code model.json}, {@code parameters.bin}, {@code certificate.json}, {@code loss.png}) that
 * appears complete at once. Nothing is written when the input is bad (exit 2). When the loss
 * becomes non-finite the last good in-memory checkpoint is saved instead and the exit code is 3.
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

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What is learned. */
    enum Task {
        regression,
        classification
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
            description = "leaky_relu, leaky_relu:SLOPE, relu or abs (default: ${DEFAULT-VALUE}).")
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
            description = "How each unit's side is chosen: CENTER (default), MAJORITY (the paper's) or MINIMAL_SHIFT.")
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

        CsvTable table = CsvTable.read(data);
        if (table.rows() == 0) {
            throw new InputException("--data " + data + " has a header (" + String.join(", ", table.columns())
                    + ") but no data rows; expected at least one row of values under the header");
        }
        ColumnSelection cols = ColumnSelection.of(table, targets, features);
        Region rawRegion = null;
        AffineHull hull = null;
        boolean fromData = !noRegion && SupportRegionSpec.needsData(region);
        if (!noRegion && !fromData) {
            rawRegion = RegionSpec.parseAny(region, null, cols.features());
            RegionSpec.requireDimension(rawRegion, cols.features(), region);
            hull = RegionHull.of(rawRegion);
            RegionHull.warn(hull, region, err());
        }
        double[][] x = table.numeric(cols.features());
        int n = x.length;

        LabelEncoding labels = null;
        LossKind lossKind;
        float[][] y2 = null; // N x K targets (MSE, BCE)
        float[] y1 = null; // N class indices (softmax)
        int outputs;
        if (task == Task.classification) {
            if (cols.targets().size() != 1) {
                throw new InputException("--task classification needs exactly one --target column, got "
                        + cols.targets().size() + " (" + String.join(", ", cols.targets()) + ")");
            }
            String t = cols.targets().get(0);
            labels = LabelEncoding.fit(table, t);
            int[] idx = labels.encode(table, t);
            if (labels.classes() == 2) {
                lossKind = LossKind.BCE_WITH_LOGITS;
                outputs = 1;
                y2 = new float[n][1];
                for (int i = 0; i < n; i++) {
                    y2[i][0] = idx[i];
                }
            } else {
                lossKind = LossKind.SOFTMAX_CROSS_ENTROPY;
                outputs = labels.classes();
                y1 = new float[n];
                for (int i = 0; i < n; i++) {
                    y1[i] = idx[i];
                }
            }
        } else {
            lossKind = LossKind.MSE;
            double[][] t = table.numeric(cols.targets());
            outputs = t[0].length;
            y2 = new float[n][outputs];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < outputs; k++) {
                    y2[i][k] = (float) t[i][k];
                }
            }
        }

        // seeded split
        int nVal = (int) Math.round(n * valFraction);
        if (valFraction > 0 && nVal == 0) {
            nVal = 1;
        }
        if (n - nVal < 1) {
            throw new InputException(data + " has " + n + " data rows; with --val-fraction " + valFraction
                    + " none is left for training");
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random rng = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        int nTrain = n - nVal;
        int[] trainRows = java.util.Arrays.copyOfRange(order, nVal, n);
        int[] valRows = java.util.Arrays.copyOfRange(order, 0, nVal);
        if (noRegion) {
            rawRegion = baselinePoint(x, trainRows);
        }
        if (fromData) {
            rawRegion = SupportRegionSpec.quantileBox(region, x, trainRows);
            hull = RegionHull.of(rawRegion);
            RegionHull.warn(hull, region, err());
        }
        if (rawRegion instanceof SupportRegion && signRule == SignRule.MAJORITY) {
            throw new InputException("--sign-rule MAJORITY counts vertices; region '" + region + "' is given by its"
                    + " support (no vertex list): use CENTER (the default) or MINIMAL_SHIFT");
        }
        float[][] y2Raw = y2;
        double[][] targetScale = null; // {mean, std} per output
        if (standardizeTarget) {
            targetScale = targetScale(y2, trainRows);
            y2 = standardizeTargets(y2, targetScale);
        }

        Standardizer standardizer = null;
        Region netRegion = rawRegion;
        double[][] xNet = x;
        if (standardize) {
            double[][] fitRows = new double[nTrain][];
            for (int i = 0; i < nTrain; i++) {
                fitRows[i] = x[trainRows[i]];
            }
            standardizer = Standardizer.fit(fitRows);
            netRegion = standardizer.mapRegion(rawRegion);
            xNet = standardizer.apply(x);
        }

        int effectiveBatch = batch <= 0 || batch >= nTrain ? nTrain : batch;
        int stepsPerEpoch = Math.max(1, nTrain / effectiveBatch);
        int steps;
        int every;
        if (length != null && length.epochs != null) {
            steps = Math.multiplyExact(length.epochs, stepsPerEpoch);
            every = stepsPerEpoch;
        } else {
            steps = length != null && length.steps != null ? length.steps : 1000;
            every = evalEvery;
        }
        int scheduleEvery = scheduleSpec == null ? 0 : (int) scheduleSpec[0];
        double gamma = scheduleSpec == null ? 1.0 : scheduleSpec[1];
        TrainingSettings settings = new TrainingSettings(
                steps, lr, weightDecay, scheduleEvery, gamma, lossKind, batch <= 0 ? 0 : batch, seed);

        PolicedMlp.Builder builder = PolicedMlp.builder()
                .setHidden(hidden)
                .setOutputs(outputs)
                .optActivation(cpa)
                .setRegion(netRegion);
        if (noRegion) {
            // One point, margin 0, the smaller shift: every shift is ReLU(-|h(x0)|) = 0, value and
            // gradient, so this is exactly the plain network, saved and used like any other.
            builder.optMargin(0).optSignRule(SignRule.MINIMAL_SHIFT);
        }
        if (margin != null) {
            builder.optMargin(margin);
        }
        if (signRule != null) {
            builder.optSignRule(signRule);
        }
        PolicedMlp block = builder.build();

        try (Model model = Model.newInstance("police4j")) {
            model.setBlock(block);
            Fit.initialize(block, model, seed);
            NDManager manager = model.getNDManager();
            NDArray xTrain = manager.create(rows(xNet, trainRows));
            NDArray xVal = nVal == 0 ? null : manager.create(rows(xNet, valRows));
            NDArray yTrain;
            NDArray yVal = null;
            if (y1 != null) {
                yTrain = manager.create(pick(y1, trainRows));
                yVal = nVal == 0 ? null : manager.create(pick(y1, valRows));
            } else {
                yTrain = manager.create(pick(y2, trainRows));
                yVal = nVal == 0 ? null : manager.create(pick(y2, valRows));
            }
            Loss loss = lossKind.toDjl();

            Monitor monitor = new Monitor(manager, loss, xVal, yVal, steps, every, checkpointEvery);
            monitor.snapshot(block, 0);
            FitResult result;
            try (ProgressBar bar = quiet ? null : bar(steps)) {
                monitor.bar = bar;
                result = Fit.create().optListener(monitor).fit(model, xTrain, yTrain, settings);
            }

            boolean diverged = !result.completed();
            int keptStep = result.losses().length;
            if (diverged) {
                if (monitor.goodStep < 0) {
                    err().println("police4j: training failed: the loss was not finite at step "
                            + result.stoppedAt() + ", before any good state; nothing was saved. "
                            + advice());
                    err().flush();
                    return EXIT_FAILURE;
                }
                keptStep = monitor.goodStep;
                monitor.restore(block, manager);
            }
            if (targetScale != null) {
                unstandardizeHead(block, targetScale);
                yTrain = manager.create(pick(y2Raw, trainRows));
                yVal = nVal == 0 ? null : manager.create(pick(y2Raw, valRows));
            }

            double trainLoss = evaluate(block, manager, loss, xTrain, yTrain);
            double valLoss = xVal == null ? Double.NaN : evaluate(block, manager, loss, xVal, yVal);
            Double trainAcc = null;
            Double valAcc = null;
            if (labels != null) {
                trainAcc = accuracy(block, manager, xTrain, y1 != null ? pick(y1, trainRows) : column(pick(y2, trainRows)));
                valAcc = xVal == null ? null
                        : accuracy(block, manager, xVal, y1 != null ? pick(y1, valRows) : column(pick(y2, valRows)));
            }

            Certificate cert = noRegion ? null : Certify.policed(block, Certify.Options.defaults().optInteriorSamples(samples).optSeed(seed));
            double wallTrain = result.seconds();

            ObjectNode meta = JSON.createObjectNode();
            meta.put("police4jVersion", VersionInfo.version());
            meta.put("created", Instant.now().toString());
            meta.put("status", diverged ? "diverged" : "trained");
            meta.put("task", task.name());
            ArrayNode f = meta.putArray("features");
            cols.features().forEach(f::add);
            ArrayNode tg = meta.putArray("targets");
            cols.targets().forEach(tg::add);
            if (labels != null) {
                meta.set("labels", labels.toJson());
            }
            meta.put("loss", lossKind.name());
            if (standardizer != null) {
                meta.set("standardizer", standardizer.toJson());
            } else {
                meta.putNull("standardizer");
            }
            meta.put("constraint", noRegion ? "none" : "police");
            if (noRegion) {
                meta.put("constraintNote", "unconstrained baseline (--no-region): no affine guarantee, no certificate;"
                        + " rawRegion is the training mean, where the network has no shift (margin 0)");
            }
            meta.put("regionSpec", noRegion ? "none (--no-region)" : region);
            meta.set("rawRegion", RegionJson.write(rawRegion));
            if (targetScale != null) {
                ObjectNode ts0 = meta.putObject("targetStandardizer");
                ts0.set("mean", JSON.valueToTree(targetScale[0]));
                ts0.set("std", JSON.valueToTree(targetScale[1]));
                ts0.put("note", "trained on (y - mean) / std; folded back into the output layer: outputs are in"
                        + " the targets' units");
            }
            meta.put("data", data.toString());
            ObjectNode ts = meta.putObject("training");
            ts.put("steps", steps);
            if (length != null && length.epochs != null) {
                ts.put("epochs", length.epochs);
            }
            ts.put("stepsPerEpoch", stepsPerEpoch);
            ts.put("batch", effectiveBatch);
            ts.put("learningRate", lr);
            ts.put("weightDecay", weightDecay);
            ts.put("scheduleEvery", scheduleEvery);
            ts.put("gamma", gamma);
            ts.put("optimizer", "AdamW");
            ts.put("seed", seed);
            ts.put("valFraction", valFraction);
            ts.put("trainRows", nTrain);
            ts.put("valRows", nVal);
            ts.put("activation", cpa.id());
            ts.put("margin", block.engine().margin());
            ObjectNode res = meta.putObject("result");
            res.put("stepsDone", keptStep);
            res.put("completed", !diverged);
            if (diverged) {
                res.put("stoppedAt", result.stoppedAt());
            }
            putNumber(res, "trainLoss", trainLoss);
            putNumber(res, "valLoss", valLoss);
            if (trainAcc != null) {
                res.put("trainAccuracy", trainAcc);
            }
            if (valAcc != null) {
                res.put("valAccuracy", valAcc);
            }
            res.put("seconds", wallTrain);
            if (cert != null) {
                res.put("certified", cert.certified());
            }

            byte[] certBytes = cert == null ? null : JSON.writeValueAsBytes(certificateJson(cert, standardizer, hull));
            LossCurve curve = new LossCurve("police4j train: " + data.getFileName())
                    .train(stepsFrom1(result.losses().length), result.losses());
            if (!monitor.valSteps.isEmpty()) {
                curve.validation(toArray(monitor.valSteps), toArray(monitor.valLosses));
            }
            AtomicDirectory.write(out, tmp -> {
                Path inner = tmp.resolve(".model");
                ModelIo.save(block, inner, meta);
                try (Stream<Path> files = Files.list(inner)) {
                    for (Path p : (Iterable<Path>) files::iterator) {
                        Files.move(p, tmp.resolve(p.getFileName()));
                    }
                }
                Files.delete(inner);
                if (certBytes != null) {
                    Files.write(tmp.resolve("certificate.json"), certBytes);
                }
                curve.write(tmp.resolve("loss.png"), 900, 560);
                DirectoryManifest.write(tmp); // every file, the certificate and the plot included
            });

            StringBuilder sb = new StringBuilder();
            sb.append(diverged
                    ? String.format(Locale.ROOT, "the loss was not finite at step %d (after %.2f s); kept the"
                            + " checkpoint after step %d", result.stoppedAt(), wallTrain, keptStep)
                    : String.format(Locale.ROOT, "trained %d steps in %.2f s", keptStep, wallTrain));
            sb.append(String.format(Locale.ROOT, ": train loss %s, validation loss %s", fmt(trainLoss), nVal == 0 ? "n/a (--val-fraction 0)" : fmt(valLoss)));
            if (trainAcc != null) {
                sb.append(String.format(Locale.ROOT, ", train accuracy %.4f", trainAcc));
                if (valAcc != null) {
                    sb.append(String.format(Locale.ROOT, ", validation accuracy %.4f", valAcc));
                }
            }
            sb.append(String.format(Locale.ROOT, " (%d train rows, %d validation rows)%n", nTrain, nVal));
            out().print(sb);
            if (cert == null) {
                out().println("no certificate: unconstrained baseline (--no-region)");
            } else {
                out().print(describeCertificate(cert, standardizer, cols.features(),
                        outputNames(task, cols.targets(), labels), hull));
            }
            out().printf(Locale.ROOT, "saved %s (model.json, parameters.bin, certificate.json, loss.png, checksums.sha256); total %.2f s%n",
                    out, (System.nanoTime() - wallStart) / 1e9);
            out().flush();
            if (cert != null && !cert.certified()) {
                err().println("police4j: warning: the trained network is NOT certified affine on the region"
                        + " (see above); try a larger --margin");
                err().flush();
            }
            if (diverged) {
                err().printf(Locale.ROOT,
                        "police4j: training diverged: the loss was not finite at step %d; saved the last"
                                + " good checkpoint (after step %d) to %s. %s%n",
                        result.stoppedAt(), keptStep, out, advice());
                err().flush();
                return EXIT_FAILURE;
            }
            return 0;
        }
    }

    private String advice() {
        return "Try a lower --lr (now " + lr + ")" + (standardize ? "" : " or --standardize")
                + (task == Task.regression && !standardizeTarget ? ", or --standardize-target" : "") + ".";
    }

    /** The --no-region stand-in: one point, the training rows' mean (raw units). */
    private static VertexRegion baselinePoint(double[][] x, int[] trainRows) {
        double[] mean = new double[x[0].length];
        for (int r : trainRows) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += x[r][j] / trainRows.length;
            }
        }
        return VertexRegion.of("none", new double[][] {mean});
    }

    /** Mean and std (population; 1 where a target is constant) of each target over the training rows. */
    static double[][] targetScale(float[][] y, int[] trainRows) {
        int k = y[0].length;
        double[] mean = new double[k];
        double[] std = new double[k];
        for (int r : trainRows) {
            for (int o = 0; o < k; o++) {
                mean[o] += y[r][o];
            }
        }
        for (int o = 0; o < k; o++) {
            mean[o] /= trainRows.length;
        }
        for (int r : trainRows) {
            for (int o = 0; o < k; o++) {
                std[o] += (y[r][o] - mean[o]) * (y[r][o] - mean[o]);
            }
        }
        for (int o = 0; o < k; o++) {
            std[o] = Math.sqrt(std[o] / trainRows.length);
            if (!(std[o] > 0)) {
                std[o] = 1;
            }
        }
        return new double[][] {mean, std};
    }

    private static float[][] standardizeTargets(float[][] y, double[][] scale) {
        float[][] out = new float[y.length][];
        for (int i = 0; i < y.length; i++) {
            out[i] = new float[y[i].length];
            for (int o = 0; o < y[i].length; o++) {
                out[i][o] = (float) ((y[i][o] - scale[0][o]) / scale[1][o]);
            }
        }
        return out;
    }

    /**
     * Folds {@code y = std z + mean} into the head: row o of its weight times std_o, its bias
     * {@code std_o b_o + mean_o}. The head is a plain linear layer after the last shifted one, so
     * the constraint and the certificate are untouched.
     */
    static void unstandardizeHead(PolicedMlp block, double[][] scale) {
        int head = block.layers().size() - 1;
        NDArray w = block.weight(head);
        NDArray b = block.bias(head);
        float[] wv = w.toFloatArray();
        float[] bv = b.toFloatArray();
        int inputs = wv.length / bv.length;
        for (int o = 0; o < bv.length; o++) {
            for (int j = 0; j < inputs; j++) {
                wv[o * inputs + j] = (float) (wv[o * inputs + j] * scale[1][o]);
            }
            bv[o] = (float) (bv[o] * scale[1][o] + scale[0][o]);
        }
        org.police4j.fold.Fold.copy(w, wv);
        org.police4j.fold.Fold.copy(b, bv);
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

    /** certificate.json: Certificate.toMap(), the coordinates it is in, the raw map and the region's hull. */
    static ObjectNode certificateJson(Certificate cert, Standardizer s, AffineHull hull) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("coordinates", s == null ? "raw" : "standardized");
        m.putAll(cert.toMap());
        if (s != null) {
            double[][] a = cert.a();
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("a", AffineMaps.rawA(a, s));
            raw.put("b", AffineMaps.rawB(a, cert.b(), s));
            m.put("raw", raw);
        }
        ObjectNode json = JSON.valueToTree(m);
        RegionHull.putJson(json, hull, s == null ? cert.a() : AffineMaps.rawA(cert.a(), s),
                s == null ? cert.b() : AffineMaps.rawB(cert.a(), cert.b(), s));
        return json;
    }

    private static ProgressBar bar(int steps) {
        return new ProgressBarBuilder()
                .setTaskName("train")
                .setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .build();
    }

    /** Validation losses, progress and checkpoints, after every optimiser step. */
    static final class Monitor implements StepListener {
        private final NDManager manager;
        private final Loss loss;
        private final NDArray xVal;
        private final NDArray yVal;
        private final int steps;
        private final int evalEvery;
        private final int checkpointEvery;
        ProgressBar bar;
        final List<Double> valSteps = new ArrayList<>();
        final List<Double> valLosses = new ArrayList<>();
        private byte[] pending;
        private int pendingStep = -1;
        private byte[] good;
        int goodStep = -1;
        private double lastVal = Double.NaN;

        Monitor(NDManager manager, Loss loss, NDArray xVal, NDArray yVal, int steps, int evalEvery, int checkpointEvery) {
            this.manager = manager;
            this.loss = loss;
            this.xVal = xVal;
            this.yVal = yVal;
            this.steps = steps;
            this.evalEvery = evalEvery;
            this.checkpointEvery = checkpointEvery;
        }

        @Override
        public void afterStep(int step, double trainLoss, PolicedMlp block) {
            // the loss of this step was computed with the parameters after step - 1: finite, so
            // the checkpoint taken then is good
            if (pending != null && pendingStep == step - 1) {
                good = pending;
                goodStep = pendingStep;
                pending = null;
            }
            if (step % checkpointEvery == 0) {
                snapshot(block, step);
            }
            if (xVal != null && (step % evalEvery == 0 || step == steps)) {
                lastVal = evaluate(block, manager, loss, xVal, yVal);
                valSteps.add((double) step);
                valLosses.add(lastVal);
            }
            if (bar != null) {
                bar.step();
                bar.setExtraMessage(xVal == null
                        ? String.format(Locale.ROOT, "loss %.4g", trainLoss)
                        : String.format(Locale.ROOT, "loss %.4g val %.4g", trainLoss, lastVal));
            }
        }

        void snapshot(PolicedMlp block, int step) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream o = new DataOutputStream(bytes)) {
                block.saveParameters(o);
            } catch (IOException e) {
                throw new IllegalStateException("cannot snapshot the parameters in memory", e);
            }
            pending = bytes.toByteArray();
            pendingStep = step;
        }

        void restore(PolicedMlp block, NDManager m) throws IOException, ai.djl.MalformedModelException {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(good))) {
                block.loadParameters(m, in);
            }
        }
    }

    /** The mean loss of the POLICEd network (data rows only) on x -> y. */
    static double evaluate(PolicedMlp block, NDManager manager, Loss loss, NDArray x, NDArray y) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray out = block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            return loss.evaluate(new NDList(y), new NDList(out)).getFloat();
        }
    }

    private static double accuracy(PolicedMlp block, NDManager manager, NDArray x, float[] labels) {
        float[] out;
        int k;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray o = block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            k = (int) o.getShape().get(1);
            out = o.toFloatArray();
        }
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            int predicted;
            if (k == 1) {
                predicted = out[i] >= 0 ? 1 : 0;
            } else {
                predicted = 0;
                for (int c = 1; c < k; c++) {
                    if (out[i * k + c] > out[i * k + predicted]) {
                        predicted = c;
                    }
                }
            }
            if (predicted == (int) labels[i]) {
                right++;
            }
        }
        return labels.length == 0 ? Double.NaN : (double) right / labels.length;
    }

    private static float[][] rows(double[][] x, int[] which) {
        float[][] out = new float[which.length][];
        for (int i = 0; i < which.length; i++) {
            double[] r = x[which[i]];
            out[i] = new float[r.length];
            for (int j = 0; j < r.length; j++) {
                out[i][j] = (float) r[j];
            }
        }
        return out;
    }

    private static float[][] pick(float[][] y, int[] which) {
        float[][] out = new float[which.length][];
        for (int i = 0; i < which.length; i++) {
            out[i] = y[which[i]];
        }
        return out;
    }

    private static float[] pick(float[] y, int[] which) {
        float[] out = new float[which.length];
        for (int i = 0; i < which.length; i++) {
            out[i] = y[which[i]];
        }
        return out;
    }

    private static float[] column(float[][] y) {
        float[] out = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            out[i] = y[i][0];
        }
        return out;
    }

    private static double[] stepsFrom1(int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = i + 1;
        }
        return s;
    }

    private static double[] toArray(List<Double> v) {
        double[] a = new double[v.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = v.get(i);
        }
        return a;
    }

    private static void putNumber(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v);
        } else {
            o.putNull(field);
        }
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
