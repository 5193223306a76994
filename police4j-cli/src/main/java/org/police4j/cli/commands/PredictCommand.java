package org.police4j.cli.commands;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.police4j.cli.base.CliCommand;
import org.police4j.cli.data.CsvTable;
import org.police4j.cli.data.InputException;
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
            ModelPredictor m = ModelPredictor.load(model, manager, err());
            CsvTable table = CsvTable.read(data);
            m.requireFeatures(table.columns(), data.toString());
            double[][] x = table.numeric(m.features());
            float[][] outputs = new float[x.length][];
            for (int from = 0; from < x.length; from += batch) {
                int to = Math.min(x.length, from + batch);
                float[][] y = m.outputs(manager, from, java.util.Arrays.copyOfRange(x, from, to));
                System.arraycopy(y, 0, outputs, from, y.length);
            }

            List<String> kept = keptColumns(table);
            List<String> header = new ArrayList<>(kept);
            List<String> predictionColumns = m.predictionColumns();
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
                r.addAll(m.cells(outputs[i]));
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
}
