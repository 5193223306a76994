package org.police4j.cli.commands;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.police4j.cli.base.CliCommand;
import org.police4j.cli.data.CsvTable;
import org.police4j.cli.data.InputException;
import org.police4j.fold.Fold;
import org.police4j.network.BatchInvariantPredictor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code police4j predict}: runs the folded network (a plain DJL block, no per-batch region rows)
 * on the feature columns of a CSV file, in batches, and writes the input's columns (all, or those
 * of {@code --keep}) followed by the predictions under their own names, atomically. It refuses to
 * write over its own inputs (the data file or a file of the model directory).
 */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        description = {
            "Predict with a trained model on a CSV file (feature columns by name; extra columns are ignored).",
            "Output: the input's columns (or --keep), then the predictions: predicted_<target> per target"
                    + " (regression), or predicted_label and p_<label> per class (classification)."
        })
public final class PredictCommand extends CliCommand {

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "A directory written by 'police4j train'.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "IN.csv", description = "Rows to predict.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "OUT.csv", description = "Where to write the predictions.")
    Path out;

    @Option(names = "--keep", split = ",", paramLabel = "COL",
            description = "Input columns copied to the output, in this order (default: every input column).")
    List<String> keep;

    @Option(names = "--batch", defaultValue = "4096", paramLabel = "N", description = "Rows read into memory per step (default: ${DEFAULT-VALUE}); the predictions do not depend on it.")
    int batch;

    @Override
    protected int run() throws Exception {
        if (batch <= 0) {
            throw new InputException("--batch: " + batch + "; expected a positive integer");
        }
        long start = System.nanoTime();
        refuseToOverwriteInputs(out, data, model);
        try (NDManager manager = NDManager.newBaseManager()) {
            StoredModel m = StoredModel.load(model, manager, err());
            CsvTable table = CsvTable.read(data);
            List<String> missing = new ArrayList<>();
            for (String f : m.features()) {
                if (!table.hasColumn(f)) {
                    missing.add(f);
                }
            }
            if (!missing.isEmpty()) {
                throw new InputException(data + " lacks the model's feature column" + (missing.size() == 1 ? " '" : "s '")
                        + String.join("', '", missing) + "'; the model needs " + String.join(", ", m.features())
                        + " and the file has " + String.join(", ", table.columns()));
            }
            double[][] x = table.numeric(m.features());
            if (m.standardizer() != null) {
                x = m.standardizer().apply(x);
            }
            SequentialBlock folded = Fold.block(m.block(), manager);
            float[][] outputs = forward(folded, manager, x, batch);

            List<String> kept = keptColumns(table);
            List<String> header = new ArrayList<>(kept);
            List<String> predictionColumns = predictionHeader(m);
            for (String c : predictionColumns) {
                if (header.contains(c)) {
                    throw new InputException("prediction column '" + c + "' clashes with a column of " + data
                            + " of the same name; choose the columns to copy with --keep (e.g. --keep "
                            + String.join(",", m.features()) + ")");
                }
            }
            header.addAll(predictionColumns);
            List<String[]> rows = new ArrayList<>(x.length);
            for (int i = 0; i < x.length; i++) {
                List<String> r = new ArrayList<>(header.size());
                for (String c : kept) {
                    r.add(table.value(i, c).strip());
                }
                r.addAll(predictionCells(m, outputs[i]));
                rows.add(r.toArray(new String[0]));
            }
            CsvTable.writeText(out, header, rows);
            out().printf(Locale.ROOT, "wrote %d predictions to %s in %.2f s%n", x.length, out,
                    (System.nanoTime() - start) / 1e9);
            out().flush();
            return 0;
        }
    }

    /** The input columns to copy: {@code --keep}, checked against the file, or all of them. */
    private List<String> keptColumns(CsvTable table) {
        if (keep == null) {
            return table.columns();
        }
        List<String> kept = new ArrayList<>();
        for (String c : keep) {
            String col = c.strip();
            if (!table.hasColumn(col)) {
                throw new InputException("--keep: " + data + " has no column '" + col + "'; its columns are "
                        + String.join(", ", table.columns()));
            }
            if (!kept.contains(col)) {
                kept.add(col);
            }
        }
        return kept;
    }

    /**
     * Refuses an output path that is one of the inputs (compared as real paths, so links and
     * {@code ./} spellings count): writing it would destroy the data being predicted or the model.
     */
    static void refuseToOverwriteInputs(Path out, Path data, Path model) throws java.io.IOException {
        if (!java.nio.file.Files.exists(out)) {
            return;
        }
        Path real = out.toRealPath();
        if (java.nio.file.Files.exists(data) && real.equals(data.toRealPath())) {
            throw new InputException("--out " + out + " is the input file --data " + data
                    + "; refusing to overwrite the input, choose another --out");
        }
        if (java.nio.file.Files.isDirectory(model) && real.startsWith(model.toRealPath())) {
            throw new InputException("--out " + out + " is inside the model directory " + model
                    + "; refusing to overwrite the model, choose another --out");
        }
    }

    /**
     * Runs a plain block on x, {@code batch} rows converted at a time, through the batch-invariant
     * predictor: every row gets the same bits whatever {@code batch} is (and whatever chunks a
     * Spark job cuts the table into).
     */
    static float[][] forward(SequentialBlock net, NDManager manager, double[][] x, int batch) {
        float[][] out = new float[x.length][];
        BatchInvariantPredictor predictor = BatchInvariantPredictor.builder().setNetwork(net).build();
        for (int from = 0; from < x.length; from += batch) {
            int to = Math.min(x.length, from + batch);
            float[][] chunk = new float[to - from][];
            for (int i = from; i < to; i++) {
                chunk[i - from] = new float[x[i].length];
                for (int j = 0; j < x[i].length; j++) {
                    chunk[i - from][j] = (float) x[i][j];
                }
            }
            System.arraycopy(predictor.predict(manager, from, chunk), 0, out, from, to - from);
        }
        return out;
    }

    /** The prediction columns: {@code predicted_<target>} (regression), or the label and its probabilities. */
    static List<String> predictionHeader(StoredModel m) {
        if (!m.classification()) {
            List<String> h = new ArrayList<>();
            for (String t : m.targets()) {
                h.add("predicted_" + t);
            }
            return h;
        }
        List<String> h = new ArrayList<>();
        h.add("predicted_label");
        for (String l : m.labels().labels()) {
            h.add("p_" + l);
        }
        return h;
    }

    static List<String> predictionCells(StoredModel m, float[] y) {
        List<String> cells = new ArrayList<>();
        if (!m.classification()) {
            for (float v : y) {
                cells.add(Float.toString(v));
            }
            return cells;
        }
        double[] p;
        if (y.length == 1) {
            double p1 = 1 / (1 + Math.exp(-y[0]));
            p = new double[] {1 - p1, p1};
        } else {
            double max = Double.NEGATIVE_INFINITY;
            for (float v : y) {
                max = Math.max(max, v);
            }
            p = new double[y.length];
            double sum = 0;
            for (int c = 0; c < y.length; c++) {
                p[c] = Math.exp(y[c] - max);
                sum += p[c];
            }
            for (int c = 0; c < y.length; c++) {
                p[c] /= sum;
            }
        }
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
        cells.add(m.labels().label(best));
        for (double v : p) {
            cells.add(Double.toString(v));
        }
        return cells;
    }
}
