package org.police4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Bulk predict on Spark gives every row the columns and the bits of the one-JVM {@code police4j
 * predict}, whatever the partitioning (1, 3 and 7 partitions of the same rows), for a regression
 * (floats) and a classifier (label and probabilities); CSV and Parquet out, read back, are the same.
 */
class SparkPredictTest {

    @Test
    void regressionMatchesTheOneJvmCommandBitForBitInEveryPartitioning() throws Exception {
        Path d = Fixtures.dir();
        SparkSession spark = Fixtures.spark();
        List<CSVRecord> expected = csv(d.resolve("cli-reg.csv"));
        Dataset<Row> query = Tables.read(spark, d.resolve("query.csv").toString());
        for (int partitions : new int[] {1, 3, 7}) {
            Dataset<Row> parts = spark.createDataFrame(
                    JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(query.collectAsList(), partitions),
                    query.schema());
            assertThat(parts.javaRDD().getNumPartitions()).isEqualTo(partitions);
            Dataset<Row> out = SparkPredict.predict(spark, d.resolve("reg"), parts, null);
            assertThat(out.columns()).containsExactly("id", "x3", "x1", "x2", "predicted_y1", "predicted_y2");
            List<Row> rows = out.collectAsList();
            assertThat(rows).hasSameSizeAs(expected);
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                CSVRecord e = expected.get(i);
                assertThat(r.getString(0)).isEqualTo(e.get("id"));
                for (String c : List.of("predicted_y1", "predicted_y2")) {
                    float got = r.getFloat(r.fieldIndex(c));
                    assertThat(Float.floatToRawIntBits(got)).as("%d partitions, row %d, %s", partitions, i, c)
                            .isEqualTo(Float.floatToRawIntBits(Float.parseFloat(e.get(c))));
                }
            }
        }
    }

    /**
     * Typed feature columns are read as their values: x1 a double, x2 a decimal, x3 text (3 and 5
     * partitions), the kept columns come out as they went in, and every prediction has the bits
     * the one-JVM command computed from the same numbers written as text.
     */
    @Test
    void typedColumnsGiveTheOneJvmBits() throws Exception {
        Path d = Fixtures.dir();
        SparkSession spark = Fixtures.spark();
        List<CSVRecord> expected = csv(d.resolve("cli-reg.csv"));
        List<CSVRecord> query = csv(d.resolve("query.csv"));
        StructType schema = new StructType()
                .add("id", DataTypes.StringType).add("x1", DataTypes.DoubleType)
                .add("x2", DataTypes.createDecimalType(38, 30)).add("x3", DataTypes.StringType);
        List<Row> typed = new ArrayList<>();
        for (CSVRecord q : query) {
            // exact: the decimal holds the text's value, so its double is the text's double
            BigDecimal x2 = new BigDecimal(q.get("x2")).setScale(30);
            typed.add(RowFactory.create(q.get("id"), Double.parseDouble(q.get("x1")), x2, q.get("x3")));
        }
        for (int partitions : new int[] {3, 5}) {
            Dataset<Row> table = spark.createDataFrame(
                    JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(typed, partitions), schema);
            List<Row> rows = SparkPredict.predict(spark, d.resolve("reg"), table, List.of("x2", "id", "x1")).collectAsList();
            assertThat(rows).hasSameSizeAs(expected);
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                assertThat(r.getDecimal(0)).isEqualTo(typed.get(i).getDecimal(2));
                assertThat(r.getString(1)).isEqualTo(expected.get(i).get("id"));
                assertThat(r.getDouble(2)).isEqualTo(typed.get(i).getDouble(1));
                for (String c : List.of("predicted_y1", "predicted_y2")) {
                    assertThat(Float.floatToRawIntBits(r.getFloat(r.fieldIndex(c)))).as("%d partitions, row %d, %s", partitions, i, c)
                            .isEqualTo(Float.floatToRawIntBits(Float.parseFloat(expected.get(i).get(c))));
                }
            }
        }
    }

    @Test
    void classifierCsvAndParquetOutputsEqualTheOneJvmFile() throws Exception {
        Path d = Fixtures.dir();
        SparkSession spark = Fixtures.spark();
        List<CSVRecord> expected = csv(d.resolve("cli-cls.csv"));
        Path csvOut = d.resolve("spark-cls");
        Path parquetOut = d.resolve("spark-cls.parquet");
        for (Path out : List.of(csvOut, parquetOut)) {
            Fixtures.Run run = Fixtures.spark("predict", d.resolve("cls").toString(), "--data",
                    d.resolve("classes.csv").toString(), "--out", out.toString(), "--keep", "a,b");
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(out.resolve("_SUCCESS")).exists();
        }
        try (Stream<Path> s = Files.list(d)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
        List<Row> fromParquet = spark.read().parquet(parquetOut.toString()).collectAsList();
        List<CSVRecord> fromCsv = new ArrayList<>();
        try (Stream<Path> parts = Files.list(csvOut)) {
            for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                fromCsv.addAll(csv(p));
            }
        }
        assertThat(fromCsv).hasSameSizeAs(expected);
        assertThat(fromParquet).hasSameSizeAs(expected);
        List<String> columns = List.of("a", "b", "predicted_label", "p_hi", "p_lo", "p_mid");
        assertThat(expected.get(0).getParser().getHeaderNames()).containsExactlyElementsOf(columns);
        for (int i = 0; i < expected.size(); i++) {
            CSVRecord e = expected.get(i);
            Row p = fromParquet.get(i);
            assertThat(p.getString(0)).isEqualTo(e.get("a"));
            assertThat(p.getString(2)).isEqualTo(e.get("predicted_label"));
            assertThat(fromCsv.get(i).get("predicted_label")).isEqualTo(e.get("predicted_label"));
            for (int c = 3; c < columns.size(); c++) {
                double want = Double.parseDouble(e.get(columns.get(c)));
                assertThat(p.getDouble(c)).isEqualTo(want);
                assertThat(Double.parseDouble(fromCsv.get(i).get(columns.get(c)))).isEqualTo(want);
            }
        }
    }

    static List<CSVRecord> csv(Path file) throws Exception {
        try (CSVParser p = CSVParser.parse(file, java.nio.charset.StandardCharsets.UTF_8,
                CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
            return new ArrayList<>(p.getRecords());
        }
    }

}
