package org.police4j.spark;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code police4j-spark predict}: {@link SparkPredict} from a table to a table. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Predict with a trained model on a CSV or Parquet table, on Spark.",
            "Output (a directory, written atomically): the input's columns (or --keep), then the predictions,"
                    + " as 'police4j predict' writes them, bit for bit."})
final class PredictCommand extends SparkCommand {

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "A directory written by 'police4j train'.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "IN", description = "Rows to predict: CSV with a header, or .parquet.")
    String data;

    @Option(names = "--out", required = true, paramLabel = "OUT",
            description = "Output directory (must not exist): .parquet for Parquet, else CSV part files with a header.")
    String out;

    @Option(names = "--keep", split = ",", paramLabel = "COL",
            description = "Input columns copied to the output, in this order (default: every input column).")
    List<String> keep;

    @Override
    protected int run(SparkSession spark) throws Exception {
        long start = System.nanoTime();
        Dataset<Row> predicted = SparkPredict.predict(spark, model, Tables.read(spark, data), keep);
        Tables.write(predicted, out);
        out().printf(Locale.ROOT, "wrote the predictions to %s in %.2f s%n", out, (System.nanoTime() - start) / 1e9);
        out().flush();
        return 0;
    }
}
