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
