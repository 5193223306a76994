package org.police4j.spark;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.police4j.cli.commands.ModelPredictor;
import org.police4j.cli.data.InputException;
import org.police4j.cli.data.Numbers;

/**
 * Bulk {@code predict} on Spark: the same columns as {@code police4j predict} (the kept input
 * columns, then {@code predicted_<target>}, or {@code predicted_label} and {@code p_<label>}) and
 * the same bits for every row, whatever the partitioning: rows are numbered across the whole
 * table (each partition's first row from the partitions' sizes) and each partition's predictor
 * places them by that number
 * ({@code BatchInvariantPredictor}). The model directory is broadcast once as bytes; each
 * partition takes its executor's loaded copy.
 */
public final class SparkPredict {

    private SparkPredict() {}

    /**
     * Predicts every row of a table.
     *
     * @param spark the session
     * @param modelDir a directory written by {@code police4j train} (checked and loaded here first,
     *     so a bad model fails before any job)
     * @param data the rows: the model's feature columns (numbers, or text that is a number), and any others
     * @param keep the input columns copied to the output, in this order, or null for all of them
     * @return the kept columns followed by the prediction columns
     * @throws IOException if the model directory cannot be read
     * @throws MalformedModelException if the model fails its checksum or is not police4j train's
     * @throws InputException if a feature column or a kept column is missing, or a prediction
     *     column clashes with a kept one (a non-numeric cell fails the job, naming its row and column)
     */
    public static Dataset<Row> predict(SparkSession spark, Path modelDir, Dataset<Row> data, List<String> keep)
            throws IOException, MalformedModelException {
        ModelPredictor model;
        try (NDManager manager = NDManager.newBaseManager()) {
            model = ModelPredictor.load(modelDir, manager, null);
            List<String> columns = Arrays.asList(data.columns());
            model.requireFeatures(columns, "the data");
            List<String> kept = new ArrayList<>();
            for (String c : keep == null ? columns : keep) {
                String col = c.strip();
                if (!columns.contains(col)) {
                    throw new InputException("--keep: the data has no column '" + col + "'; its columns are "
                            + String.join(", ", columns));
                }
                if (!kept.contains(col)) {
                    kept.add(col);
                }
            }
            List<StructField> fields = new ArrayList<>();
            for (String c : kept) {
                fields.add(data.schema().apply(c));
            }
            List<String> predictions = model.predictionColumns();
            for (int i = 0; i < predictions.size(); i++) {
                String c = predictions.get(i);
                if (kept.contains(c)) {
                    throw new InputException("prediction column '" + c + "' clashes with a column of the data"
                            + " of the same name; choose the columns to copy with --keep (e.g. --keep "
                            + String.join(",", model.features()) + ")");
                }
                boolean label = model.classification() && i == 0;
                fields.add(DataTypes.createStructField(c, label ? DataTypes.StringType
                        : model.classification() ? DataTypes.DoubleType : DataTypes.FloatType, false));
            }
            int[] keptIndex = kept.stream().mapToInt(c -> columns.indexOf(c)).toArray();
            int[] featureIndex = model.features().stream().mapToInt(c -> columns.indexOf(c)).toArray();
            Broadcast<ModelBytes> bytes = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(ModelBytes.read(modelDir));
            JavaRDD<Row> rows = data.javaRDD();
            JavaRDD<Row> out = rows.mapPartitionsWithIndex(new PredictPartition(bytes, firstRows(data,
                    rows.getNumPartitions()), keptIndex, featureIndex, model.features().toArray(new String[0])), true);
            return spark.createDataFrame(out, new StructType(fields.toArray(new StructField[0])));
        }
    }

    /**
     * The table-wide number of each partition's first row: the partitions' sizes counted by Spark
     * SQL ({@code spark_partition_id}, without turning rows into Java objects), summed in order.
     */
    static long[] firstRows(Dataset<Row> data, int partitions) {
        long[] first = new long[partitions + 1];
        for (Row r : data.groupBy(functions.spark_partition_id()).count().collectAsList()) {
            first[r.getInt(0) + 1] = r.getLong(1);
        }
        for (int p = 0; p < partitions; p++) {
            first[p + 1] += first[p];
        }
        return first;
    }

    /** One partition: its rows' features parsed, predicted in one go, written after their kept columns. */
    private static final class PredictPartition implements Function2<Integer, Iterator<Row>, Iterator<Row>> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<ModelBytes> model;
        private final long[] firstRows;
        private final int[] kept;
        private final int[] features;
        private final String[] featureNames;

        PredictPartition(Broadcast<ModelBytes> model, long[] firstRows, int[] kept, int[] features, String[] featureNames) {
            this.model = model;
            this.firstRows = firstRows;
            this.kept = kept;
            this.features = features;
            this.featureNames = featureNames;
        }

        @Override
        public Iterator<Row> call(Integer partition, Iterator<Row> rows) {
            Executors.inferenceThread();
            // the kept cells only, not the input rows (nothing at all when no column is kept)
            List<Object[]> keptCells = new ArrayList<>();
            long first = firstRows[partition];
            List<double[]> x = new ArrayList<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                if (kept.length > 0) {
                    Object[] k = new Object[kept.length];
                    for (int j = 0; j < kept.length; j++) {
                        k[j] = row.get(kept[j]);
                    }
                    keptCells.add(k);
                }
                x.add(Cells.numbers(row, features, featureNames, first + x.size()));
            }
            int n = x.size();
            if (first + n != firstRows[partition + 1]) {
                throw new IllegalStateException("partition " + partition + " has " + n + " rows; Spark counted "
                        + (firstRows[partition + 1] - first) + " (the input is not deterministic)");
            }
            List<Row> out = new ArrayList<>(n);
            if (n == 0) {
                return out.iterator();
            }
            ModelPredictor predictor = Executors.predictor(model.value());
            float[][] y;
            try (NDManager sub = Executors.manager().newSubManager()) {
                y = predictor.outputs(sub, first, x.toArray(new double[0][]));
            }
            x = null;
            boolean classification = predictor.classification();
            for (int i = 0; i < n; i++) {
                double[] probabilities = classification ? ModelPredictor.probabilities(y[i]) : null;
                Object[] values = new Object[kept.length + (classification ? 1 + probabilities.length : y[i].length)];
                if (kept.length > 0) {
                    System.arraycopy(keptCells.get(i), 0, values, 0, kept.length);
                }
                int at = kept.length;
                if (classification) {
                    values[at++] = predictor.label(y[i]);
                    for (double p : probabilities) {
                        values[at++] = p;
                    }
                } else {
                    for (float v : y[i]) {
                        values[at++] = v;
                    }
                }
                out.add(RowFactory.create(values));
            }
            return out.iterator();
        }
    }

    /** Reading numbers out of rows, with the cell's place in every message. */
    static final class Cells {
        private Cells() {}

        /**
         * The given cells of a row as numbers.
         *
         * @param row the row
         * @param index the cells' positions
         * @param names the cells' column names
         * @param rowNumber the row's 0-based number in its table
         * @return the values
         */
        static double[] numbers(Row row, int[] index, String[] names, long rowNumber) {
            double[] v = new double[index.length];
            for (int j = 0; j < index.length; j++) {
                Object cell = row.get(index[j]);
                // a finite number needs no message: building one per cell cost more than the network
                v[j] = cell instanceof Number n && Double.isFinite(n.doubleValue()) ? n.doubleValue()
                        : number(cell, "row " + (rowNumber + 1) + ", column '" + names[j] + "'");
            }
            return v;
        }

        /** A cell as a finite number: a number type, or text read as the CSV reader does. */
        static double number(Object cell, String where) {
            if (cell instanceof Number n) {
                double d = n.doubleValue();
                if (!Double.isFinite(d)) {
                    throw new InputException(where + ": " + d + " is not a finite number");
                }
                return d;
            }
            return Numbers.cell(cell == null ? null : cell.toString(), where);
        }
    }
}
