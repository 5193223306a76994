package org.police4j.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import org.police4j.engine.RoundingBoundOverflowException;
import org.police4j.nn.PolicedMlp;

/**
 * A short training loop on DJL's {@link Trainer}: AdamW, a step schedule, fixed seeds, a
 * progress bar with the loss, and a listener after every step. POLICE needs nothing special from
 * the loop (the constraint lives in the block); this exists so the paper's experiments, the CLI
 * and users share one tested recipe.
 */
public final class Fit {

    private boolean progress;
    private String taskName = "train";
    private StepListener listener = (step, loss, block) -> {};
    private Gradients gradients;
    private int blockRows = BlockGradient.DEFAULT_BLOCK_ROWS;
    private List<Device> devices = List.of();

    private Fit() {}

    /** {@return a loop without progress bar and with a listener that does nothing} */
    public static Fit create() {
        return new Fit();
    }

    /**
     * Show a console progress bar (on standard error) with the current loss.
     *
     * @param show true to show it
     * @param name the task name on the bar
     * @return this loop
     */
    public Fit optProgress(boolean show, String name) {
        this.progress = show;
        this.taskName = name;
        return this;
    }

    /**
     * Calls {@code listener} after every optimiser step (for curves, checks, early figures).
     *
     * @param listener receives the step, its loss and the block
     * @return this loop
     */
    public Fit optListener(StepListener listener) {
        this.listener = listener;
        return this;
    }

    /**
     * Takes every step's full-batch gradient from {@code gradients} (e.g. the sum of shards
     * computed on other machines) instead of one forward and backward here; the optimiser, the
     * schedule, the listener and the stop at a non-finite loss are this loop's. Full batch only:
     * the settings' batch size must be 0 or at least the number of rows.
     *
     * @param gradients the gradient of each step
     * @return this loop
     */
    public Fit optGradients(Gradients gradients) {
        this.gradients = gradients;
        return this;
    }

    /**
     * The rows of a gradient block: a step over more rows than this takes its gradient as the sum
     * of fixed blocks placed by row number ({@link BlockGradient}), which data-parallel training
     * reproduces bit for bit; a step over at most this many rows is one forward and backward.
     *
     * @param rows the rows of a block (default {@link BlockGradient#DEFAULT_BLOCK_ROWS})
     * @return this loop
     */
    public Fit optBlockRows(int rows) {
        if (rows <= 0) {
            throw new IllegalArgumentException("blockRows: " + rows + "; expected > 0");
        }
        this.blockRows = rows;
        return this;
    }

    /**
     * Computes every step's gradient on several devices of this machine (e.g. several GPUs): the
     * step's gradient blocks are dealt to the devices and added in block order
     * ({@link DeviceGradients}), the same gradient as one device's. One device (or none given)
     * trains in this JVM's one forward and backward as before.
     *
     * @param devices the devices; two or more to share the work
     * @return this loop
     */
    public Fit optDevices(List<Device> devices) {
        this.devices = List.copyOf(devices);
        return this;
    }

    /**
     * The loss of a batch as every step computes it: the loss of the head's output, plus the
     * penalty a penalty-form affine target adds as a second output.
     *
     * @param loss the loss
     * @param out the block's outputs
     * @param y the labels
     * @return the scalar loss
     */
    static NDArray batchLoss(Loss loss, NDList out, NDArray y) {
        NDArray l = loss.evaluate(new NDList(y), new NDList(out.head()));
        if (out.size() > 1) {
            l = l.add(out.get(1)); // a penalty-form affine target
        }
        return l;
    }

    /**
     * Seeds the engine and initialises {@code block} with PyTorch's default initialisation: the
     * same seed gives the same network.
     *
     * @param block the network to initialise
     * @param model owns the parameters (its manager)
     * @param seed the engine's random seed
     */
    public static void initialize(PolicedMlp block, Model model, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        block.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32,
                new Shape(1, block.inputDimension()));
    }

    /**
     * Trains {@code model}'s block (a {@link PolicedMlp}) on {@code x -> y}.
     *
     * @param model holds the block; its parameters are initialised from the seed if they are not
     * @param x N x D inputs
     * @param y labels: N x K targets (MSE, BCE), or N class indices (softmax)
     * @param settings optimiser, schedule, loss, batch, seed
     * @return the losses and the time; stops early at the first non-finite loss
     */
    public FitResult fit(Model model, NDArray x, NDArray y, TrainingSettings settings) {
        PolicedMlp block = (PolicedMlp) model.getBlock();
        if (!block.isInitialized()) {
            initialize(block, model, settings.seed());
        }
        long n = x.getShape().get(0);
        if (y.getShape().get(0) != n) {
            throw new IllegalArgumentException(
                    "labels: " + y.getShape().get(0) + " rows, expected " + n + " like the inputs");
        }
        Loss loss = settings.loss().toDjl();
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss).optOptimizer(adamW(settings));
        int batch = settings.batchSize() <= 0 || settings.batchSize() >= n ? (int) n : settings.batchSize();
        if (gradients != null && batch != n) {
            throw new IllegalArgumentException("batch: " + settings.batchSize() + " rows of " + n
                    + "; training with gradients from elsewhere (data-parallel) takes full batches: 0, or >= " + n);
        }
        Batches batches = new Batches(n, batch, settings.seed());
        double[] losses = new double[settings.steps()];
        int stoppedAt = -1;
        String failure = null;
        long start = System.nanoTime();
        if (gradients != null && devices.size() > 1) {
            throw new IllegalArgumentException("devices: " + devices
                    + "; training with gradients from elsewhere (data-parallel) computes on their devices, not these");
        }
        try (DeviceGradients shared = devices.size() > 1 ? new DeviceGradients(block, devices, blockRows) : null;
                Trainer trainer = model.newTrainer(config);
                ProgressBar bar = progress ? ConsoleProgress.bar(taskName, settings.steps()) : null) {
            for (int step = 1; step <= settings.steps(); step++) {
                double value;
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray xb = x;
                    NDArray yb = y;
                    if (!batches.isFull()) {
                        NDArray rows = x.getManager().create(batches.next());
                        xb = x.get(rows);
                        yb = y.get(rows);
                    }
                    ShardGradient given;
                    if (gradients != null || shared != null) {
                        given = gradients != null ? gradients.compute(step, block)
                                : shared.compute(block, xb, yb, settings.loss());
                        advanceState(block, xb);
                    } else {
                        given = xb.getShape().get(0) > blockRows
                                ? BlockGradient.of(block, xb, yb, settings.loss(), blockRows) : null;
                    }
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray l;
                        if (given == null) {
                            l = batchLoss(loss, trainer.forward(new NDList(xb)), yb);
                            value = l.getFloat();
                        } else {
                            // sum_p <w_p, G_p>: its gradient is G exactly, which the trainer's step applies
                            l = surrogate(block, given);
                            value = given.loss();
                        }
                        if (!Double.isFinite(value)) {
                            stoppedAt = step;
                            break;
                        }
                        if (given != null) {
                            ShardGradient.zeroGradients(block);
                        }
                        gc.backward(l);
                    }
                } catch (RoundingBoundOverflowException e) {
                    // the guard cannot bound this step's values: the step diverged, as with a loss that is not finite
                    stoppedAt = step;
                    failure = e.getMessage();
                    break;
                }
                trainer.step();
                losses[step - 1] = value;
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(String.format(java.util.Locale.ROOT, "loss %.4g", value));
                }
                listener.afterStep(step, value, block);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int done = stoppedAt < 0 ? settings.steps() : stoppedAt - 1;
        return new FitResult(java.util.Arrays.copyOf(losses, done), seconds, stoppedAt, failure);
    }

    /**
     * A training forward of the region's rows alone (no data rows), so that the state a forward
     * keeps in the block (the sides a remembering sign rule holds) moves here as it did where the
     * gradient was computed, which saw this block's weights and state.
     */
    private static void advanceState(PolicedMlp block, NDArray x) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            block.forward(new ParameterStore(x.getManager(), false), new NDList(x.get("0:0")), true);
        }
    }

    private static NDArray surrogate(PolicedMlp block, ShardGradient g) {
        NDArray sum = null;
        int i = 0;
        for (ai.djl.nn.Parameter p : block.getParameters().values()) {
            NDArray w = p.getArray();
            float[] f = new float[g.gradient()[i].length];
            for (int j = 0; j < f.length; j++) {
                f[j] = (float) g.gradient()[i][j];
            }
            NDArray term = w.mul(w.getManager().create(f, w.getShape())).sum();
            sum = sum == null ? term : sum.add(term);
            i++;
        }
        return sum;
    }

    /**
     * AdamW with the settings' learning-rate schedule and weight decay: the recipe of every run.
     *
     * @param s the settings
     * @return the optimiser
     */
    public static Optimizer adamW(TrainingSettings s) {
        return Optimizer.adamW()
                .optLearningRateTracker(schedule(s))
                .optWeightDecays((float) s.weightDecay())
                .build();
    }

    static Tracker schedule(TrainingSettings s) {
        if (s.scheduleEvery() <= 0 || s.scheduleEvery() >= s.steps()) {
            return Tracker.fixed((float) s.learningRate());
        }
        return new StepSchedule((float) s.learningRate(), s.scheduleEvery(), s.gamma());
    }

}
