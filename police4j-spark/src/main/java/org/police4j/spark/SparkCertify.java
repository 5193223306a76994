package org.police4j.spark;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.police4j.engine.Loops;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.cli.commands.ModelCertifier;
import org.police4j.cli.data.InputException;
import org.police4j.region.Box;
import org.police4j.region.Region;
import scala.Tuple2;

/**
 * Bulk certify on Spark: one region per row (see {@link RegionRows} for the table's layouts), one
 * certificate per row, as {@code police4j verify --region} would give it: certified or not, how it
 * was decided, the first unit that bends, the deviations and the certified affine map in raw units.
 * For boxes, optionally the largest radius around the row's centre that is still certified. The
 * model is broadcast once as bytes; the rows are cut into a fixed number of tasks by row number
 * (ranges, so the output keeps the input's order) and each task certifies its rows in one go.
 */
public final class SparkCertify {

    /** Maps with more entries (outputs x features) are left out of the table ({@code affine_map} null). */
    public static final int MAX_MAP_ENTRIES = 4096;

    /** Bisection steps of the radius search: the radius is found to within its upper bound times 2^-20. */
    public static final int RADIUS_STEPS = 20;

    private SparkCertify() {}

    /**
     * The settings of a bulk certify.
     *
     * @param interiorSamples interior points checked against each map (as {@code verify --samples})
     * @param seed seeds every row's interior points (the same for every row, so results do not
     *     depend on the partitioning)
     * @param radiusSearch whether to search each box's largest certified radius
     * @param tasks how many tasks the rows are cut into, or 0 for four per slot
     */
    public record Settings(int interiorSamples, long seed, boolean radiusSearch, int tasks) implements java.io.Serializable {
        /**
         * Checks the values.
         *
         * @param interiorSamples {@code >= 0}
         * @param seed any
         * @param radiusSearch any
         * @param tasks {@code >= 0}
         */
        public Settings {
            if (interiorSamples < 0) {
                throw new InputException("--samples: " + interiorSamples + "; expected >= 0");
            }
            if (tasks < 0) {
                throw new InputException("--tasks: " + tasks + "; expected >= 0 (0: four per slot)");
            }
        }

        /** {@return verify's defaults: 1000 interior samples, seed 0, no radius search, four tasks per slot} */
        public static Settings defaults() {
            return new Settings(1000, 0, false, 0);
        }
    }

    /**
     * Certifies the model on every row's region.
     *
     * @param spark the session
     * @param modelDir a directory written by {@code police4j train}
     * @param regions the region table
     * @param keep the input columns copied to the output, in this order, or null for all
     * @param settings samples, seed, radius search, tasks
     * @return the kept columns, then {@code certified, kind, offending_units, violation_layer,
     *     violation_unit, vertex_deviation, interior_deviation, affine_map} (JSON in raw units:
     *     {@code inputs, outputs, A, b}) and, with the radius search, {@code certified_radius}
     * @throws IOException if the model directory cannot be read
     * @throws MalformedModelException if the model fails its checksum or is not police4j train's
     */
    public static Dataset<Row> certify(SparkSession spark, Path modelDir, Dataset<Row> regions, List<String> keep,
            Settings settings) throws IOException, MalformedModelException {
        List<String> columns = Arrays.asList(regions.columns());
        RegionRows layout;
        try (NDManager manager = NDManager.newBaseManager()) {
            layout = RegionRows.of(columns, ModelCertifier.load(modelDir, manager, null).features());
        }
        if (settings.radiusSearch() && !layout.boxes()) {
            throw new InputException("--radius-search: the regions are not boxes (centre columns and 'radius' or"
                    + " 'radius_<feature>'); the search widens a box around its centre");
        }
        List<String> kept = new ArrayList<>(keep == null ? columns : keep);
        List<StructField> fields = new ArrayList<>();
        for (String c : kept) {
            if (!columns.contains(c)) {
                throw new InputException("--keep: the region table has no column '" + c + "'; its columns are "
                        + String.join(", ", columns));
            }
            fields.add(regions.schema().apply(c));
        }
        fields.add(DataTypes.createStructField("certified", DataTypes.BooleanType, false));
        fields.add(DataTypes.createStructField("kind", DataTypes.StringType, false));
        fields.add(DataTypes.createStructField("offending_units", DataTypes.IntegerType, false));
        fields.add(DataTypes.createStructField("violation_layer", DataTypes.IntegerType, true));
        fields.add(DataTypes.createStructField("violation_unit", DataTypes.IntegerType, true));
        fields.add(DataTypes.createStructField("vertex_deviation", DataTypes.DoubleType, false));
        fields.add(DataTypes.createStructField("interior_deviation", DataTypes.DoubleType, false));
        fields.add(DataTypes.createStructField("affine_map", DataTypes.StringType, true));
        if (settings.radiusSearch()) {
            fields.add(DataTypes.createStructField("certified_radius", DataTypes.DoubleType, false));
        }
        int[] keptIndex = kept.stream().mapToInt(columns::indexOf).toArray();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int tasks = settings.tasks() > 0 ? settings.tasks() : 4 * jsc.defaultParallelism();
        Broadcast<ModelBytes> bytes = jsc.broadcast(ModelBytes.read(modelDir));
        // rows numbered (one counting job) and cut by number into the tasks' ranges, each sorted in the
        // shuffle: the output keeps the input's order
        JavaRDD<Row> rows = regions.javaRDD();
        long[] first = RowNumbers.firstRows(rows);
        JavaRDD<Tuple2<Row, Long>> numbered = rows.mapPartitionsWithIndex((Integer p, Iterator<Row> it) -> {
                    long[] next = {first[p]};
                    return new Iterator<Tuple2<Long, Row>>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public Tuple2<Long, Row> next() {
                            return new Tuple2<>(next[0]++, it.next());
                        }
                    };
                }, true)
                .mapToPair(t -> t)
                .repartitionAndSortWithinPartitions(new RowNumbers.Ranges(first[first.length - 1], tasks))
                .map(t -> new Tuple2<>(t._2(), t._1()));
        JavaRDD<Row> out = numbered.mapPartitions(new CertifyPartition(bytes, layout, keptIndex, settings));
        return spark.createDataFrame(out, new StructType(fields.toArray(new StructField[0])));
    }

    /** One task: its rows' regions read and certified in order. */
    private static final class CertifyPartition implements FlatMapFunction<Iterator<Tuple2<Row, Long>>, Row> {
        private static final long serialVersionUID = 1L;
        private static final ObjectMapper JSON = new ObjectMapper();
        private final Broadcast<ModelBytes> model;
        private final RegionRows layout;
        private final int[] kept;
        private final Settings settings;

        CertifyPartition(Broadcast<ModelBytes> model, RegionRows layout, int[] kept, Settings settings) {
            this.model = model;
            this.layout = layout;
            this.kept = kept;
            this.settings = settings;
        }

        /** Certifies the task's rows, the engine's Java loops in the task's thread ({@link #options}). */
        @Override
        public Iterator<Row> call(Iterator<Tuple2<Row, Long>> rows) {
            return Loops.sequential(() -> certify(rows));
        }

        private Iterator<Row> certify(Iterator<Tuple2<Row, Long>> rows) {
            Executors.inferenceThread();
            List<Row> out = new ArrayList<>();
            ModelCertifier certifier = null;
            Certify.Options options = options(settings);
            while (rows.hasNext()) {
                Tuple2<Row, Long> t = rows.next();
                if (certifier == null) {
                    certifier = Executors.certifier(model.value());
                }
                Region region = layout.read(t._1(), t._2());
                String source = "row " + (t._2() + 1);
                Certificate cert = certifier.certify(region, source, options);
                List<Object> values = new ArrayList<>();
                for (int k : kept) {
                    values.add(t._1().get(k));
                }
                values.add(cert.certified());
                values.add(cert.kind().name());
                values.add(cert.offendingUnits());
                values.add(cert.firstViolation() == null ? null : cert.firstViolation().layer());
                values.add(cert.firstViolation() == null ? null : cert.firstViolation().unit());
                values.add(cert.vertexDeviation());
                values.add(cert.interiorDeviation());
                values.add(map(certifier, cert));
                if (settings.radiusSearch()) {
                    values.add(cert.certified() ? maxRadius((Box) region)
                            : largestCertifiedRadius(certifier, (Box) region, source, options));
                }
                out.add(RowFactory.create(values.toArray()));
            }
            return out.iterator();
        }

        private static String map(ModelCertifier certifier, Certificate cert) {
            double[][] a = certifier.rawA(cert);
            if (a.length == 0 || (long) a.length * a[0].length > MAX_MAP_ENTRIES) {
                return null;
            }
            ObjectNode m = JSON.createObjectNode();
            m.set("inputs", JSON.valueToTree(certifier.features()));
            m.set("outputs", JSON.valueToTree(certifier.outputNames()));
            m.set("A", JSON.valueToTree(a));
            m.set("b", JSON.valueToTree(certifier.rawB(cert)));
            return m.toString();
        }
    }

    /**
     * The certificate options of a task: the settings' samples and seed, and the vertices of a
     * region evaluated one after the other in the task's thread. Spark's slots are the parallelism
     * (as one PyTorch thread per task): a certifier fanning out on the common fork-join pool would
     * have the tasks of one executor wait for each other there, so local[2] barely beat local[1].
     * The certificate is the same either way (each vertex and each row of the map is computed
     * alone).
     */
    static Certify.Options options(Settings settings) {
        Certify.Options defaults = Certify.Options.defaults();
        return defaults.optInteriorSamples(settings.interiorSamples()).optSeed(settings.seed())
                .optCertifier(defaults.certifier().toBuilder().optParallel(false).build());
    }

    private static double maxRadius(Box box) {
        return Arrays.stream(box.radii()).max().orElse(0);
    }

    /**
     * The largest radius r in [0, the box's largest radius] such that the box with the same centre
     * and radii scaled by r / (largest radius) is certified, by bisection (certified on a box means
     * certified on every smaller one with the same centre: a subset); 0 when none of the tried
     * ones is certified.
     */
    static double largestCertifiedRadius(ModelCertifier certifier, Box box, String source, Certify.Options options) {
        double top = maxRadius(box);
        // the verdict does not depend on the interior points (a diagnostic): the search draws none
        Certify.Options verdictOnly = options.optInteriorSamples(0);
        double lo = 0;
        double hi = top;
        for (int step = 0; step < RADIUS_STEPS && top > 0; step++) {
            double mid = 0.5 * (lo + hi);
            double[] radii = box.radii();
            for (int j = 0; j < radii.length; j++) {
                radii[j] *= mid / top;
            }
            if (certifier.certify(Box.of(box.center(), radii), source, verdictOnly).certified()) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
