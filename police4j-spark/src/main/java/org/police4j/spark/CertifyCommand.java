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

/** {@code police4j-spark certify}: {@link SparkCertify} from a table of regions to a table of certificates. */
@Command(name = "certify", mixinStandardHelpOptions = true,
        description = {"Certify a trained model on every region of a table (one region per row, raw feature units), on Spark.",
            "Regions: a column 'region' (any --region text), 'vertices' (JSON [[...], ...]), or the feature columns as"
                    + " centre with 'generators' (zonotope), 'radius' or 'radius_<feature>' (box).",
            "Output (a directory, written atomically): the input's columns (or --keep), then certified, kind,"
                    + " offending_units, violation_layer, violation_unit, vertex_deviation, interior_deviation,"
                    + " affine_map (JSON, raw units) [, certified_radius]."})
final class CertifyCommand extends SparkCommand {

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "A directory written by 'police4j train'.")
    Path model;

    @Option(names = "--regions", required = true, paramLabel = "IN", description = "The region table: CSV with a header, or .parquet.")
    String regions;

    @Mixin TableOptions table;

    @Option(names = "--samples", defaultValue = "1000", paramLabel = "N",
            description = "Interior points checked against each map (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "0", description = "Seeds the interior points (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--radius-search", description = "Boxes: also the largest certified radius around each centre (certified_radius).")
    boolean radiusSearch;

    @Option(names = "--tasks", defaultValue = "0", paramLabel = "N",
            description = "Tasks the rows are cut into (default: four per slot).")
    int tasks;

    @Override
    protected int run(SparkSession spark) throws Exception {
        long start = System.nanoTime();
        SparkCertify.Settings settings = new SparkCertify.Settings(samples, seed, radiusSearch, tasks);
        Dataset<Row> certified = SparkCertify.certify(spark, model, Tables.read(spark, regions), table.keep, settings);
        Tables.write(certified, table.out);
        out().printf(Locale.ROOT, "wrote the certificates to %s in %.2f s%n", table.out, (System.nanoTime() - start) / 1e9);
        out().flush();
        return 0;
    }
}
