package org.police4j.cli.commands;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.police4j.cli.data.InputException;
import org.police4j.fold.Fold;
import org.police4j.network.BatchInvariantPredictor;

/**
 * What {@code police4j predict} computes for a model directory, as an API: the feature columns it
 * reads, the prediction columns it writes, and the predictions of raw feature rows (standardized
 * as the model was trained, run through the folded network by the batch-invariant predictor). The
 * one-JVM command and the Spark job both use it, so a row gets the same columns and the same bits
 * from either.
 */
public final class ModelPredictor {

    private final StoredModel model;
    private final BatchInvariantPredictor predictor;

    private ModelPredictor(StoredModel model, SequentialBlock folded) {
        this.model = model;
        this.predictor = BatchInvariantPredictor.builder().setNetwork(folded).build();
    }

    /**
     * Loads a model directory written by {@code police4j train} (checksums verified) and folds it.
     *
     * @param dir the model directory
     * @param manager the manager that holds the folded network's parameters
     * @param err where a one-line warning about an older format goes, or null
     * @return the predictor
     * @throws IOException if a file cannot be read
     * @throws MalformedModelException if a file fails its checksum or is not police4j train's
     */
    public static ModelPredictor load(Path dir, NDManager manager, PrintWriter err)
            throws IOException, MalformedModelException {
        StoredModel m = StoredModel.load(dir, manager, err);
        return new ModelPredictor(m, Fold.block(m.block(), manager));
    }

    /** {@return the feature column names, in the network's input order} */
    public List<String> features() {
        return model.features();
    }

    /**
     * Refuses a table that lacks a feature column, naming the missing ones and what there is.
     *
     * @param columns the table's columns
     * @param source the table's name for the message (a file)
     * @throws InputException if a feature column is missing
     */
    public void requireFeatures(List<String> columns, String source) {
        List<String> missing = new ArrayList<>();
        for (String f : features()) {
            if (!columns.contains(f)) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            throw new InputException(source + " lacks the model's feature column" + (missing.size() == 1 ? " '" : "s '")
                    + String.join("', '", missing) + "'; the model needs " + String.join(", ", features())
                    + " and the file has " + String.join(", ", columns));
        }
    }

    /** {@return whether the model is a classifier} */
    public boolean classification() {
        return model.classification();
    }

    /**
     * {@return the prediction columns: {@code predicted_<target>} per target (regression), or
     * {@code predicted_label} then {@code p_<label>} per class (classification)}
     */
    public List<String> predictionColumns() {
        if (!model.classification()) {
            List<String> h = new ArrayList<>();
            for (String t : model.targets()) {
                h.add("predicted_" + t);
            }
            return h;
        }
        List<String> h = new ArrayList<>();
        h.add("predicted_label");
        for (String l : model.labels().labels()) {
            h.add("p_" + l);
        }
        return h;
    }

    /**
     * The network's outputs for consecutive rows of a table (standardized first when the model
     * was trained so); a row's bits depend only on the row and its number.
     *
     * @param manager where the forward passes' arrays are made
     * @param firstRow the table-wide number of {@code raw[0]}
     * @param raw feature rows in raw units, in {@link #features()} order
     * @return the outputs, one row per input row
     */
    public float[][] outputs(NDManager manager, long firstRow, double[][] raw) {
        double[][] x = model.standardizer() == null ? raw : model.standardizer().apply(raw);
        float[][] in = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            in[i] = new float[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                in[i][j] = (float) x[i][j];
            }
        }
        return predictor.predict(manager, firstRow, in);
    }

    /**
     * The predicted label of one output row (classification): the larger logit, or for one
     * logit the positive class when it is at least 0.
     *
     * @param y one output row
     * @return the label
     */
    public String label(float[] y) {
        int best = 0;
        if (y.length == 1) {
            best = y[0] >= 0 ? 1 : 0;
        } else {
            for (int c = 1; c < y.length; c++) {
                if (y[c] > y[best]) {
                    best = c;
                }
            }
        }
        return model.labels().label(best);
    }

    /**
     * The class probabilities of one output row (classification): the logistic of one logit, or
     * the softmax of several.
     *
     * @param y one output row
     * @return one probability per class, in label order
     */
    public static double[] probabilities(float[] y) {
        if (y.length == 1) {
            double p1 = 1 / (1 + Math.exp(-y[0]));
            return new double[] {1 - p1, p1};
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : y) {
            max = Math.max(max, v);
        }
        double[] p = new double[y.length];
        double sum = 0;
        for (int c = 0; c < y.length; c++) {
            p[c] = Math.exp(y[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < y.length; c++) {
            p[c] /= sum;
        }
        return p;
    }

    /**
     * The prediction cells of one output row as {@code predict} writes them in a CSV file.
     *
     * @param y one output row
     * @return the cells, in {@link #predictionColumns()} order
     */
    public List<String> cells(float[] y) {
        List<String> cells = new ArrayList<>();
        if (!model.classification()) {
            for (float v : y) {
                cells.add(Float.toString(v));
            }
            return cells;
        }
        cells.add(label(y));
        for (double v : probabilities(y)) {
            cells.add(Double.toString(v));
        }
        return cells;
    }
}
