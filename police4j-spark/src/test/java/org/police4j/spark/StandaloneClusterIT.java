package org.police4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.cli.commands.ModelCertifier;
import org.police4j.region.Box;

/**
 * A real cluster: Spark's standalone master and two workers (one core each) as separate JVMs on
 * 127.0.0.1, from a SPARK_HOME assembled from the Maven dependencies. Bulk certify of 120 boxes
 * (radius search on) gives the one-JVM certifier's results row for row; a few training steps give
 * the one-JVM full-batch gradient at every step; and killing one worker and its executor (by
 * process id, SIGKILL) in the middle of the bulk certify still gives every row once, identical.
 * Then the README's {@code spark-submit} line (Spark's own launcher class, a class path of Spark's
 * jars only, {@code police4j-spark.jar} as the application) certifies the same boxes on the
 * cluster: the same rows.
 */
class StandaloneClusterIT {

    private static final int ROWS = 120;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void bulkCertifyAndTrainingOnAStandaloneClusterSurviveALostWorker() throws Exception {
        Path home = Path.of(System.getProperty("police.spark.home"));
        Path logs = Files.createDirectories(home.resolve("logs"));
        List<Process> processes = new ArrayList<>();
        SparkSession spark = null;
        try {
            int port = freePort();
            processes.add(start(home, logs.resolve("master.log"), "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort())));
            waitForPort(port);
            String url = "spark://127.0.0.1:" + port;
            for (int w = 0; w < 2; w++) {
                Path work = Files.createDirectories(home.resolve("work-" + w));
                processes.add(start(home, logs.resolve("worker-" + w + ".log"), "org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", String.valueOf(freePort()),
                        "--work-dir", work.toString(), url));
            }
            System.setProperty("spark.executor.memory", "768m");
            System.setProperty("spark.executor.cores", "1");
            spark = Sessions.start(url, System.getProperty("police.spark.appJar"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (spark.sparkContext().getExecutorMemoryStatus().size() < 3) {
                assertThat(System.nanoTime()).as("two executors registered within 90 s").isLessThan(deadline);
                Thread.sleep(200);
            }
            Path d = Fixtures.dir();
            Path regions = Fixtures.boxes(d.resolve("cluster-boxes.csv"), ROWS);
            Dataset<Row> table = Tables.read(spark, regions.toString());
            SparkCertify.Settings settings = new SparkCertify.Settings(20, 3, true, 24);

            List<Row> undisturbed = SparkCertify.certify(spark, d.resolve("reg"), table, List.of("id"), settings).collectAsList();
            assertSameAsOneJvm(d, regions, undisturbed);

            SparkTrainTest.trainAndCompare(spark, 20);

            AtomicInteger finished = new AtomicInteger();
            spark.sparkContext().addSparkListener(new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    finished.incrementAndGet();
                }
            });
            SparkSession session = spark;
            CompletableFuture<List<Row>> job = CompletableFuture.supplyAsync(() -> {
                try {
                    return SparkCertify.certify(session, d.resolve("reg"), table, List.of("id"), settings).collectAsList();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            int before = finished.get();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (finished.get() < before + 6 && !job.isDone()) {
                assertThat(System.nanoTime()).as("tasks finishing").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(job.isDone()).as("the job was still running when the worker was killed").isFalse();
            Process worker = processes.get(1);
            List<ProcessHandle> killed = new ArrayList<>(worker.descendants().toList());
            assertThat(killed).as("the worker's executor process").isNotEmpty();
            killed.add(worker.toHandle());
            for (ProcessHandle h : killed) {
                h.destroyForcibly();
            }
            List<Row> afterKill = job.get(180, TimeUnit.SECONDS);
            assertThat(afterKill).hasSize(ROWS);
            Set<String> ids = new HashSet<>();
            for (Row r : afterKill) {
                assertThat(ids.add(r.getString(0))).as("row %s once", r.getString(0)).isTrue();
            }
            assertThat(afterKill).containsExactlyElementsOf(undisturbed);

            // the README's spark-submit line, on the cluster's remaining worker once this session has
            // given its cores back, from a class path of Spark's jars only (police4j and DJL come from
            // police4j-spark.jar, as on a cluster with a Spark distribution)
            spark.stop();
            spark = null;
            Path out = d.resolve("submitted-certs");
            long t0 = System.nanoTime();
            Process submit = sparkSubmit(home, logs.resolve("spark-submit.log"), "--master", url, "--executor-memory", "768m",
                    System.getProperty("police.spark.shadedJar"), "certify", d.resolve("reg").toString(),
                    "--regions", regions.toString(), "--out", out.toString(), "--keep", "id",
                    "--samples", "20", "--seed", "3", "--radius-search", "--tasks", "24");
            processes.add(submit);
            assertThat(submit.waitFor(240, TimeUnit.SECONDS)).as("spark-submit finished within 240 s").isTrue();
            assertThat(submit.exitValue()).as("spark-submit's exit code; log: %s", logs.resolve("spark-submit.log")).isZero();
            System.out.printf("spark-submit certify on the cluster: %.1f s%n", (System.nanoTime() - t0) / 1e9);
            assertThat(out.resolve("_SUCCESS")).exists();
            List<CSVRecord> submitted = new ArrayList<>();
            try (java.util.stream.Stream<Path> parts = Files.list(out)) {
                for (Path p : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                    // Spark's CSV writer escapes a quote inside a quoted cell (the JSON map) with a backslash
                    try (CSVParser parser = CSVParser.parse(p, java.nio.charset.StandardCharsets.UTF_8,
                            CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setEscape('\\').get())) {
                        submitted.addAll(parser.getRecords());
                    }
                }
            }
            assertThat(submitted).hasSize(ROWS);
            for (int i = 0; i < ROWS; i++) {
                Row want = undisturbed.get(i);
                CSVRecord got = submitted.get(i);
                assertThat(got.get("id")).isEqualTo(want.getString(0));
                assertThat(Boolean.parseBoolean(got.get("certified"))).isEqualTo(want.getBoolean(1));
                assertThat(Double.parseDouble(got.get("interior_deviation"))).isEqualTo(want.getDouble(7));
                assertThat(Double.parseDouble(got.get("certified_radius"))).isEqualTo(want.getDouble(9));
            }
        } finally {
            if (spark != null) {
                spark.stop();
            }
            for (Process p : processes) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            for (Process p : processes) {
                p.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    private static void assertSameAsOneJvm(Path d, Path regions, List<Row> rows) throws Exception {
        assertThat(rows).hasSize(ROWS);
        List<String> lines = Files.readAllLines(regions);
        Certify.Options options = Certify.Options.defaults().optInteriorSamples(20).optSeed(3);
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelCertifier one = ModelCertifier.load(d.resolve("reg"), manager, null);
            for (int i = 0; i < ROWS; i++) {
                String[] f = lines.get(i + 1).split(",");
                double r = Double.parseDouble(f[4]);
                Box box = Box.of(new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])},
                        new double[] {r, r, r});
                Certificate c = one.certify(box, "row " + (i + 1), options);
                Row row = rows.get(i);
                assertThat(row.getString(0)).isEqualTo(f[0]);
                assertThat(row.getBoolean(1)).isEqualTo(c.certified());
                assertThat(row.getDouble(7)).isEqualTo(c.interiorDeviation());
                assertThat(row.getDouble(9)).isEqualTo(c.certified() ? r
                        : SparkCertify.largestCertifiedRadius(one, box, "row " + (i + 1), options));
            }
        }
    }

    /**
     * Starts {@code spark-submit --class org.police4j.spark.SparkMain ARGS} as Spark's distribution
     * runs it ({@code org.apache.spark.deploy.SparkSubmit} on Spark's jars), with the jars of
     * SPARK_HOME that hold no police4j, DJL or picocli classes, so the application jar must bring them.
     */
    private static Process sparkSubmit(Path home, Path log, String... args) throws IOException {
        List<String> sparkOnly = new ArrayList<>();
        try (java.util.stream.Stream<Path> jars = Files.list(home.resolve("jars"))) {
            for (Path jar : jars.sorted().toList()) {
                try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(jar.toFile())) {
                    if (z.stream().noneMatch(e -> e.getName().startsWith("org/police4j/") || e.getName().startsWith("ai/djl/")
                            || e.getName().startsWith("picocli/"))) {
                        sparkOnly.add(jar.toString());
                    }
                }
            }
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", String.join(java.io.File.pathSeparator, sparkOnly), "-Xmx512m", "org.apache.spark.deploy.SparkSubmit",
                "--class", "org.police4j.spark.SparkMain"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        return pb.start();
    }

    private static Process start(Path home, Path log, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", home.resolve("jars") + "/*", "-Xmx256m", mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("OPT_OUT_TRACKING", "true");
        return pb.start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void waitForPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                assertThat(System.nanoTime()).as("master listening within 60 s").isLessThan(deadline);
                Thread.sleep(200);
            }
        }
    }
}
