package org.police4j.cli.commands;

import ai.djl.MalformedModelException;
import ai.djl.Device;
import ai.djl.Model;
import java.util.List;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import java.io.IOException;
import me.tongfei.progressbar.ProgressBar;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.engine.SignRule;
import org.police4j.fold.Fold;
import org.police4j.engine.Cpa;
import org.police4j.nn.PolicedMlp;
import org.police4j.train.ConsoleProgress;
import org.police4j.train.Fit;
import org.police4j.train.FitResult;
import org.police4j.train.TrainingSettings;

/**
 * One {@code train} run on prepared {@link TrainingData}: builds the POLICEd MLP, trains it,
 * rolls back to the last good checkpoint when the loss diverges, folds a target scaling back into
 * the head, measures the losses and accuracies, and certifies the result.
 *
 * <p>It prints nothing but the progress bar and writes no file: what happened is returned as an
 * {@link Outcome}, for the command to report and {@link TrainingRecord} to save.
 */
final class TrainingRun {

    /** The options of the run itself; {@code steps} and {@code epochs} are null when not given. */
    record Spec(int[] hidden, Cpa activation, Double margin, SignRule signRule, boolean noRegion, Integer steps,
            Integer epochs, int batch, double lr, double weightDecay, double[] schedule, int evalEvery,
            int checkpointEvery, int samples, long seed, boolean quiet, List<Device> devices) {}

    /**
     * The schedule the options and the number of training rows give: {@code steps} optimiser
     * steps of {@code batch} rows (the effective batch), validation every {@code evalEvery} steps.
     */
    record Plan(int steps, int stepsPerEpoch, int batch, int evalEvery, int scheduleEvery, double gamma,
            TrainingSettings settings) {

        static Plan of(Spec spec, TrainingData data) {
            int nTrain = data.trainCount();
            int effectiveBatch = spec.batch() <= 0 || spec.batch() >= nTrain ? nTrain : spec.batch();
            int stepsPerEpoch = Math.max(1, nTrain / effectiveBatch);
            int steps;
            int every;
            if (spec.epochs() != null) {
                steps = Math.multiplyExact(spec.epochs(), stepsPerEpoch);
                every = stepsPerEpoch;
            } else {
                steps = spec.steps() != null ? spec.steps() : 1000;
                every = spec.evalEvery();
            }
            int scheduleEvery = spec.schedule() == null ? 0 : (int) spec.schedule()[0];
            double gamma = spec.schedule() == null ? 1.0 : spec.schedule()[1];
            TrainingSettings settings = new TrainingSettings(steps, spec.lr(), spec.weightDecay(), scheduleEvery,
                    gamma, data.lossKind(), spec.batch() <= 0 ? 0 : spec.batch(), spec.seed());
            return new Plan(steps, stepsPerEpoch, effectiveBatch, every, scheduleEvery, gamma, settings);
        }
    }

    /**
     * What the run gave. {@code keptStep} is the step whose parameters the block holds (the last
     * good checkpoint when {@code diverged}); {@code nothingKept} means the loss diverged before
     * any good checkpoint, and nothing should be saved. Losses are in the targets' own units;
     * accuracies are null for regression, {@code valLoss} NaN and {@code valAccuracy} null without
     * validation rows, {@code certificate} null for --no-region.
     */
    record Outcome(PolicedMlp block, Plan plan, FitResult fit, boolean diverged, boolean nothingKept, int keptStep,
            double[] valSteps, double[] valLosses, double trainLoss, double valLoss, Double trainAccuracy,
            Double valAccuracy, Certificate certificate) {

        /** The step at which the loss was not finite (see {@link FitResult#stoppedAt}). */
        int stoppedAt() {
            return fit.stoppedAt();
        }

        /** Seconds spent in the optimiser loop. */
        double seconds() {
            return fit.seconds();
        }
    }

    private TrainingRun() {}

    /**
     * Trains on {@code model} (which owns the block's parameters and must stay open to save them),
     * every step's gradient from {@code gradients} when not null.
     */
    static Outcome run(Model model, TrainingData data, Spec spec, GradientSource gradients)
            throws IOException, MalformedModelException {
        Plan plan = Plan.of(spec, data);
        PolicedMlp.Builder builder = PolicedMlp.builder()
                .setHidden(spec.hidden())
                .setOutputs(data.outputs())
                .optActivation(spec.activation())
                .setRegion(data.netRegion());
        if (spec.noRegion()) {
            // One point, margin 0, the smaller shift: every shift is ReLU(-|h(x0)|) = 0, value and
            // gradient, so this is exactly the plain network, saved and used like any other.
            builder.optMargin(0).optSignRule(SignRule.MINIMAL_SHIFT);
        }
        if (spec.margin() != null) {
            builder.optMargin(spec.margin());
        }
        if (spec.signRule() != null) {
            builder.optSignRule(spec.signRule());
        }
        PolicedMlp block = builder.build();

        model.setBlock(block);
        Fit.initialize(block, model, spec.seed());
        NDManager manager = model.getNDManager();
        boolean validate = data.valCount() > 0;
        NDArray xTrain = manager.create(data.inputs(true));
        NDArray xVal = validate ? manager.create(data.inputs(false)) : null;
        NDArray yTrain;
        NDArray yVal;
        if (data.byClassIndex()) {
            yTrain = manager.create(data.classes(true));
            yVal = validate ? manager.create(data.classes(false)) : null;
        } else {
            yTrain = manager.create(data.targets(true, true));
            yVal = validate ? manager.create(data.targets(false, true)) : null;
        }
        Loss loss = data.lossKind().toDjl();

        TrainingMonitor monitor = new TrainingMonitor(manager, loss, xVal, yVal, plan.steps(), plan.evalEvery(),
                spec.checkpointEvery());
        monitor.snapshot(block, 0);
        FitResult result;
        try (ProgressBar bar = spec.quiet() ? null : ConsoleProgress.bar("train", plan.steps())) {
            monitor.bar = bar;
            Fit fit = Fit.create().optListener(monitor).optDevices(spec.devices());
            if (gradients != null) {
                fit.optGradients(gradients.open(block, xTrain, yTrain, data.lossKind()));
            }
            result = fit.fit(model, xTrain, yTrain, plan.settings());
        }

        boolean diverged = !result.completed();
        int keptStep = result.losses().length;
        double[] valSteps = monitor.valSteps.stream().mapToDouble(Double::doubleValue).toArray();
        double[] valLosses = monitor.valLosses.stream().mapToDouble(Double::doubleValue).toArray();
        if (diverged) {
            if (monitor.goodStep < 0) {
                return new Outcome(block, plan, result, true, true, -1, valSteps, valLosses, Double.NaN, Double.NaN,
                        null, null, null);
            }
            keptStep = monitor.goodStep;
            monitor.restore(block, manager);
        }
        double[][] targetScale = data.targetScale();
        if (targetScale != null) {
            unstandardizeHead(block, targetScale);
            yTrain = manager.create(data.targets(true, false));
            yVal = validate ? manager.create(data.targets(false, false)) : null;
        }

        double trainLoss = evaluate(block, manager, loss, xTrain, yTrain);
        double valLoss = xVal == null ? Double.NaN : evaluate(block, manager, loss, xVal, yVal);
        Double trainAcc = null;
        Double valAcc = null;
        if (data.labels() != null) {
            trainAcc = accuracy(block, manager, xTrain, data.labelIndices(true));
            valAcc = xVal == null ? null : accuracy(block, manager, xVal, data.labelIndices(false));
        }
        Certificate cert = spec.noRegion() ? null : Certify.policed(block, Certify.Options.defaults().optInteriorSamples(spec.samples()).optSeed(spec.seed()));
        return new Outcome(block, plan, result, diverged, false, keptStep, valSteps, valLosses, trainLoss, valLoss,
                trainAcc, valAcc, cert);
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
        Fold.copy(w, wv);
        Fold.copy(b, bv);
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
}
