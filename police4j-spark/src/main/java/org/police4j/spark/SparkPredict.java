package org.police4j.spark;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
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
            StructType schema = new StructType(fields.toArray(new StructField[0]));
            // the partitions read Spark's internal rows of a projection: the features, then the kept
            // columns (no Row objects, no boxing of the feature cells)
            List<Column> read = new ArrayList<>();
            DataType[] featureTypes = new DataType[model.features().size()];
            for (int j = 0; j < featureTypes.length; j++) {
                DataType t = data.schema().apply(model.features().get(j)).dataType();
                Column c = data.col(quoted(model.features().get(j)));
                if (!FeatureCells.readable(t)) {
                    // anything else is read as its text, as the CSV reader reads a cell
                    c = c.cast(DataTypes.StringType);
                    t = DataTypes.StringType;
                }
                featureTypes[j] = t;
                read.add(c.as("_f" + j));
            }
            DataType[] keptTypes = new DataType[kept.size()];
            for (int k = 0; k < keptTypes.length; k++) {
                keptTypes[k] = data.schema().apply(kept.get(k)).dataType();
                read.add(data.col(quoted(kept.get(k))).as("_k" + k));
            }
            RDD<InternalRow> rows = data.select(read.toArray(new Column[0])).queryExecution().toRdd();
            Broadcast<ModelBytes> bytes = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(ModelBytes.read(modelDir));
            FeatureCells cells = new FeatureCells(featureTypes, model.features().toArray(new String[0]));
            RDD<InternalRow> out = rows.toJavaRDD().mapPartitionsWithIndex(
                    new PredictPartition(bytes, RowNumbers.firstRows(rows.toJavaRDD()), cells, keptTypes, schema), true).rdd();
            return ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(out, schema, false);
        }
    }

    /** A column name as {@code Dataset.col} reads it literally (dots and backquotes included). */
    private static String quoted(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    /**
     * One partition: its rows' features read, predicted in one go, each output row its kept cells
     * then the predictions (one mutable row handed out in turn, as Spark's own operators do).
     */
    private static final class PredictPartition implements Function2<Integer, Iterator<InternalRow>, Iterator<InternalRow>> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<ModelBytes> model;
        private final long[] firstRows;
        private final FeatureCells cells;
        private final DataType[] kept;
        private final StructType schema;

        PredictPartition(Broadcast<ModelBytes> model, long[] firstRows, FeatureCells cells, DataType[] kept, StructType schema) {
            this.model = model;
            this.firstRows = firstRows;
            this.cells = cells;
            this.kept = kept;
            this.schema = schema;
        }

        @Override
        public Iterator<InternalRow> call(Integer partition, Iterator<InternalRow> rows) {
            Executors.inferenceThread();
            // the kept cells only, copied out of Spark's reused row (nothing when no column is kept)
            List<Object[]> keptCells = new ArrayList<>();
            long first = firstRows[partition];
            int d = cells.size();
            List<double[]> x = new ArrayList<>();
            while (rows.hasNext()) {
                InternalRow row = rows.next();
                if (kept.length > 0) {
                    Object[] k = new Object[kept.length];
                    for (int j = 0; j < kept.length; j++) {
                        k[j] = row.isNullAt(d + j) ? null : InternalRow.copyValue(row.get(d + j, kept[j]));
                    }
                    keptCells.add(k);
                }
                x.add(cells.numbers(row, first + x.size()));
            }
            int n = x.size();
            if (first + n != firstRows[partition + 1]) {
                throw new IllegalStateException("partition " + partition + " has " + n + " rows; Spark counted "
                        + (firstRows[partition + 1] - first) + " (the input is not deterministic)");
            }
            if (n == 0) {
                return java.util.Collections.emptyIterator();
            }
            ModelPredictor predictor = Executors.predictor(model.value());
            float[][] y;
            try (NDManager sub = Executors.manager().newSubManager()) {
                y = predictor.outputs(sub, first, x.toArray(new double[0][]));
            }
            boolean classification = predictor.classification();
            SpecificInternalRow out = new SpecificInternalRow(schema);
            int at0 = kept.length;
            return new Iterator<>() {
                private int i;

                @Override
                public boolean hasNext() {
                    return i < n;
                }

                @Override
                public InternalRow next() {
                    if (i >= n) {
                        throw new java.util.NoSuchElementException();
                    }
                    for (int j = 0; j < at0; j++) {
                        out.update(j, keptCells.get(i)[j]);
                    }
                    int at = at0;
                    if (classification) {
                        out.update(at++, UTF8String.fromString(predictor.label(y[i])));
                        for (double p : ModelPredictor.probabilities(y[i])) {
                            out.setDouble(at++, p);
                        }
                    } else {
                        for (float v : y[i]) {
                            out.setFloat(at++, v);
                        }
                    }
                    i++;
                    return out;
                }
            };
        }
    }

    /**
     * Reads a row's feature cells (the first columns of Spark's internal row) as numbers: number
     * types as they are ({@code Number.doubleValue}'s value, as for a {@code Row}'s cell), text
     * by the CSV reader's rules, with the cell's row and column in every message.
     */
    static final class FeatureCells implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final DataType[] types;
        private final String[] names;

        FeatureCells(DataType[] types, String[] names) {
            this.types = types;
            this.names = names;
        }

        /** {@return whether a column of this type is read as it is (else as its text)} */
        static boolean readable(DataType t) {
            return t instanceof DoubleType || t instanceof FloatType || t instanceof LongType || t instanceof IntegerType
                    || t instanceof ShortType || t instanceof ByteType || t instanceof DecimalType || t instanceof StringType;
        }

        /** {@return how many features} */
        int size() {
            return types.length;
        }

        /**
         * The features of a row.
         *
         * @param row an internal row whose first cells are the features
         * @param rowNumber the row's 0-based number in its table
         * @return the values
         */
        double[] numbers(InternalRow row, long rowNumber) {
            double[] v = new double[types.length];
            for (int j = 0; j < types.length; j++) {
                DataType t = types[j];
                double value;
                if (row.isNullAt(j)) {
                    value = Cells.number(null, where(rowNumber, j));
                } else if (t instanceof StringType) {
                    value = Cells.number(row.getUTF8String(j).toString(), where(rowNumber, j));
                } else {
                    value = t instanceof DoubleType ? row.getDouble(j)
                            : t instanceof FloatType ? row.getFloat(j)
                            : t instanceof LongType ? row.getLong(j)
                            : t instanceof IntegerType ? row.getInt(j)
                            : t instanceof ShortType ? row.getShort(j)
                            : t instanceof ByteType ? row.getByte(j)
                            : row.getDecimal(j, ((DecimalType) t).precision(), ((DecimalType) t).scale())
                                    .toJavaBigDecimal().doubleValue();
                    if (!Double.isFinite(value)) {
                        // a finite number needs no message: building one per cell cost more than the network
                        value = Cells.number(value, where(rowNumber, j));
                    }
                }
                v[j] = value;
            }
            return v;
        }

        private String where(long rowNumber, int j) {
            return "row " + (rowNumber + 1) + ", column '" + names[j] + "'";
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
