package org.police4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.cli.commands.ModelCertifier;
import org.police4j.region.Box;
import org.police4j.region.VertexRegion;

/**
 * Bulk certify on Spark gives, row for row, the certificate the one-JVM certifier gives on the same
 * region (verdict, kind, first bending unit, deviations, raw map), whatever the number of tasks;
 * boxes small and large (both verdicts occur), vertex lists; the radius search returns a radius
 * whose box is certified, and one 2^-20 wider that is not (or the full radius).
 */
class SparkCertifyTest {

    @TempDir Path tmp;

    @Test
    void boxesMatchTheOneJvmCertifierInAnyNumberOfTasks() throws Exception {
        Path d = Fixtures.dir();
        SparkSession spark = Fixtures.spark();
        Random rng = new Random(4);
        StringBuilder csv = new StringBuilder("name,x1,x2,x3,radius\n");
        int n = 40;
        double[][] centre = new double[n][];
        double[] radius = new double[n];
        for (int i = 0; i < n; i++) {
            centre[i] = new double[] {rng.nextDouble() * 2 - 1, rng.nextDouble() * 2 - 1, rng.nextDouble() * 2 - 1};
            radius[i] = i % 2 == 0 ? 0.05 : 5 + 40 * rng.nextDouble();
            csv.append("r").append(i).append(',').append(centre[i][0]).append(',').append(centre[i][1]).append(',')
                    .append(centre[i][2]).append(',').append(radius[i]).append('\n');
        }
        Files.writeString(tmp.resolve("boxes.csv"), csv);
        Dataset<Row> regions = Tables.read(spark, tmp.resolve("boxes.csv").toString());
        Certify.Options options = Certify.Options.defaults().optInteriorSamples(50).optSeed(3);
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelCertifier one = ModelCertifier.load(d.resolve("reg"), manager, null);
            int certified = 0;
            for (int tasks : new int[] {1, 5}) {
                List<Row> rows = SparkCertify.certify(spark, d.resolve("reg"), regions, List.of("name"),
                        new SparkCertify.Settings(50, 3, tasks == 5, tasks)).collectAsList();
                assertThat(rows).hasSize(n);
                certified = 0;
                for (int i = 0; i < n; i++) {
                    Row r = rows.get(i);
                    assertThat(r.getString(0)).isEqualTo("r" + i);
                    Box box = Box.of(centre[i], new double[] {radius[i], radius[i], radius[i]});
                    Certificate c = one.certify(box, "row " + (i + 1), options);
                    assertThat(r.getBoolean(1)).as("row %d", i).isEqualTo(c.certified());
                    assertThat(r.getString(2)).isEqualTo(c.kind().name());
                    assertThat(r.getInt(3)).isEqualTo(c.offendingUnits());
                    assertThat(r.get(4)).isEqualTo(c.certified() ? null : c.firstViolation().layer());
                    assertThat(r.get(5)).isEqualTo(c.certified() ? null : c.firstViolation().unit());
                    assertThat(r.getDouble(6)).isEqualTo(c.vertexDeviation());
                    assertThat(r.getDouble(7)).isEqualTo(c.interiorDeviation());
                    assertThat(r.getString(8)).contains(String.format(Locale.ROOT, "\"b\":[%s,", one.rawB(c)[0]));
                    certified += c.certified() ? 1 : 0;
                    if (tasks == 5) {
                        double found = r.getDouble(9);
                        assertThat(found).isBetween(0.0, radius[i]);
                        if (found > 0) {
                            assertThat(one.certify(Box.of(centre[i], new double[] {found, found, found}), "", options).certified()).isTrue();
                        }
                        if (found < radius[i]) {
                            double wider = found + radius[i] / (1 << SparkCertify.RADIUS_STEPS);
                            assertThat(one.certify(Box.of(centre[i], new double[] {wider, wider, wider}), "", options).certified())
                                    .as("row %d: radius %s is the largest certified", i, found).isFalse();
                        }
                    }
                }
            }
            assertThat(certified).as("both verdicts occur").isBetween(1, n - 1);
        }
    }

    @Test
    void vertexListsFromTheCommandLine() throws Exception {
        Path d = Fixtures.dir();
        StringBuilder csv = new StringBuilder("id,vertices\n");
        double[][][] tetra = new double[6][][];
        for (int i = 0; i < tetra.length; i++) {
            double s = i < 3 ? 0.05 : 30;
            tetra[i] = new double[][] {{0, 0, 0}, {s, 0, 0}, {0, s, 0}, {0, 0, s}};
            csv.append(i).append(",\"").append(java.util.Arrays.deepToString(tetra[i])).append("\"\n");
        }
        Files.writeString(tmp.resolve("v.csv"), csv);
        Path out = tmp.resolve("certs.parquet");
        Fixtures.Run run = Fixtures.spark("certify", d.resolve("reg").toString(), "--regions", tmp.resolve("v.csv").toString(),
                "--out", out.toString(), "--samples", "20", "--keep", "id");
        assertThat(run.code()).as(run.err()).isZero();
        List<Row> rows = Fixtures.spark().read().parquet(out.toString()).orderBy("id").collectAsList();
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelCertifier one = ModelCertifier.load(d.resolve("reg"), manager, null);
            for (int i = 0; i < tetra.length; i++) {
                Certificate c = one.certify(VertexRegion.of(tetra[i]), "", Certify.Options.defaults().optInteriorSamples(20));
                assertThat(rows.get(i).getBoolean(1)).isEqualTo(c.certified());
                assertThat(rows.get(i).getDouble(7)).isEqualTo(c.interiorDeviation());
            }
        }
    }

    @Test
    void regionOfTheWrongDimensionNamesItsRow() throws Exception {
        Files.writeString(tmp.resolve("v.csv"), "vertices\n\"[[0,0,0],[1,0,0],[0,1,0]]\"\n\"[[0,0],[1,0],[0,1]]\"\n");
        Path out = tmp.resolve("out");
        Fixtures.Run run = Fixtures.spark("certify", Fixtures.dir().resolve("reg").toString(), "--regions",
                tmp.resolve("v.csv").toString(), "--out", out.toString());
        assertThat(run.code()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).contains("region 'row 2' has dimension 2 but the data has 3 features (x1, x2, x3)");
        assertThat(out).doesNotExist();
    }
}
