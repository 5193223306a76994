package org.police4j.spark;

import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin TableOptions table;

    @Override
    protected int run(SparkSession spark) throws Exception {
        long start = System.nanoTime();
        Dataset<Row> predicted = SparkPredict.predict(spark, model, Tables.read(spark, data), table.keep);
        Tables.write(predicted, table.out);
        out().printf(Locale.ROOT, "wrote the predictions to %s in %.2f s%n", table.out, (System.nanoTime() - start) / 1e9);
        out().flush();
        return 0;
    }
}
