package org.police4j.cli.commands;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.loss.Loss;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import org.police4j.nn.PolicedMlp;
import org.police4j.train.StepListener;

/**
 * Validation losses, progress and checkpoints, after every optimiser step of {@code train}. A
 * checkpoint counts as good only once the next step's loss, computed from it, is finite; the run
 * rolls back to the last good one when the loss diverges.
 */
final class TrainingMonitor implements StepListener {
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

    TrainingMonitor(NDManager manager, Loss loss, NDArray xVal, NDArray yVal, int steps, int evalEvery,
            int checkpointEvery) {
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
            lastVal = TrainingRun.evaluate(block, manager, loss, xVal, yVal);
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

    void restore(PolicedMlp block, NDManager m) throws IOException, MalformedModelException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(good))) {
            block.loadParameters(m, in);
        }
    }
}
