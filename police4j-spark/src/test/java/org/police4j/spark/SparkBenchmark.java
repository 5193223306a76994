package org.police4j.spark;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.police4j.cli.commands.ModelPredictor;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;
import org.police4j.train.BlockGradient;
import org.police4j.train.Fit;
import org.police4j.train.Gradients;
import org.police4j.train.LossKind;
import org.police4j.train.ShardGradient;

/**
 * The numbers of docs/SPARK.md (a benchmark, not a test): {@code predict N}, {@code certify
 * MASTERS ROWS REPS [TASKS]}, {@code train MASTER ROWS...}. Run with SPARK_HOME's jars, the module's jar and the
 * test classes on the class path.
 */
public final class SparkBenchmark {

    private SparkBenchmark() {}

    public static void main(String[] args) throws Exception {
        SparkMain.commandLine();
        switch (args[0]) {
            case "predict" -> predict(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            case "certify" -> certify(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    args.length > 4 ? Integer.parseInt(args[4]) : 0);
            case "train" -> train(args[1], Arrays.stream(args).skip(2).mapToInt(Integer::parseInt).toArray());
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.exit(0);
    }

    static String stats(List<Double> t) {
        double[] s = t.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format(Locale.ROOT, "median %.3f s (min %.3f, max %.3f, n %d)", s[s.length / 2], s[0], s[s.length - 1], s.length);
    }

    /** One-JVM plain loop vs Spark local[2], warm, in memory, n rows of the 10-feature model. */
    static void predict(int n, int reps) throws Exception {
        Path d = Files.createTempDirectory("bench-predict");
        Random rng = new Random(1);
        StringBuilder train = new StringBuilder();
        for (int j = 0; j < 10; j++) {
            train.append("f").append(j).append(',');
        }
        train.append("y\n");
        for (int i = 0; i < 2000; i++) {
            double s = 0;
            for (int j = 0; j < 10; j++) {
                double v = rng.nextGaussian();
                s += Math.sin(v * (j + 1));
                train.append(v).append(',');
            }
            train.append(s).append('\n');
        }
        Files.writeString(d.resolve("t.csv"), train);
        Fixtures.cli(d, "train", "--data", "t.csv", "--target", "y", "--region", "box:-0.5,0.5,10", "--task", "regression",
                "--hidden", "64,64", "--steps", "20", "--quiet", "--out", "m");
        // The rows come from spark.range and randn, cached: a source whose tasks are small. (Rows
        // parallelized from a driver-side List travel inside every task of every stage, Java-
        // serialized: 19 MB a task at 1M rows, which was most of the time measured before.)
        SparkSession spark = Sessions.start("local[2]", null);
        org.apache.spark.sql.Column[] cols = new org.apache.spark.sql.Column[10];
        for (int j = 0; j < 10; j++) {
            cols[j] = functions.randn(j + 1L).as("f" + j);
        }
        Dataset<Row> data = spark.range(0, n, 1, 8).select(cols).cache();
        data.count();
        double[][] x = new double[n][];
        int at = 0;
        for (java.util.Iterator<Row> it = data.toLocalIterator(); it.hasNext(); ) {
            Row r = it.next();
            double[] v = new double[10];
            for (int j = 0; j < 10; j++) {
                v[j] = r.getDouble(j);
            }
            x[at++] = v;
        }
        List<Double> plain = new ArrayList<>();
        List<Double> onSpark = new ArrayList<>();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long plainBits = 0;
        long sparkBits = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelPredictor p = ModelPredictor.load(d.resolve("m"), manager, null);
            for (int rep = 0; rep < reps + 1; rep++) {
                long[] plain0 = machineTicks();
                long plainCpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                float[][] y = p.outputs(manager, 0, x);
                double t = (System.nanoTime() - t0) / 1e9;
                double plainOthers = othersCores(plain0, (os.getProcessCpuTime() - plainCpu0) / 1e9, t);
                plainBits = 0;
                for (float[] v : y) {
                    plainBits = plainBits * 31 + Float.floatToRawIntBits(v[0]);
                }
                if (System.getProperty("bench.profile") != null) {
                    long a = System.nanoTime();
                    RowNumbers.firstRows(data.queryExecution().toRdd().toJavaRDD());
                    long b = System.nanoTime();
                    long c2 = data.javaRDD().count();
                    long c = System.nanoTime();
                    long c3 = SparkPredict.predict(spark, d.resolve("m"), data, List.of()).javaRDD().count();
                    long e = System.nanoTime();
                    System.out.printf(Locale.ROOT, "profile: firstRows %.3f s, javaRDD.count %.3f s, predict rdd count %.3f s%n",
                            (b - a) / 1e9, (c - b) / 1e9, (e - c) / 1e9);
                }
                long[] machine0 = machineTicks();
                Map<String, Double> threads0 = threadCpu();
                long cpu0 = os.getProcessCpuTime();
                t0 = System.nanoTime();
                Dataset<Row> predicted = SparkPredict.predict(spark, d.resolve("m"), data, List.of());
                double ts;
                if (rep == 0) {
                    // the identity check collects every row to the driver (not timed as the job)
                    sparkBits = 0;
                    for (Row r : predicted.collectAsList()) {
                        sparkBits = sparkBits * 31 + Float.floatToRawIntBits(r.getFloat(0));
                    }
                    ts = (System.nanoTime() - t0) / 1e9;
                } else {
                    // the job itself, every row predicted, written to Spark's no-op sink
                    predicted.write().format("noop").mode("overwrite").save();
                    ts = (System.nanoTime() - t0) / 1e9;
                }
                if (rep > 0) {
                    plain.add(t);
                    onSpark.add(ts);
                }
                double others = othersCores(machine0, (os.getProcessCpuTime() - cpu0) / 1e9, ts);
                System.out.printf(Locale.ROOT, "rep %d: plain %.3f s (other processes %.2f cores), spark %.3f s (%.2f cores),"
                        + " identical %s, load %.2f%n", rep, t, plainOthers, ts, others, plainBits == sparkBits, os.getSystemLoadAverage());
            }
        }
        System.out.println("predict " + n + " rows: plain loop " + stats(plain) + "; Spark local[2] " + stats(onSpark)
                + "; identical bits " + (plainBits == sparkBits));
    }

    /**
     * Bulk certify of ROWS boxes (radius search), REPS times on each master of a comma-separated
     * list (local masters alternate in one JVM: the session is stopped and started again), with
     * the process's CPU time and the tasks' run and CPU time (Spark's task metrics) per repetition.
     */
    static void certify(String masters, int n, int reps, int taskCount) throws Exception {
        Path d = Fixtures.dir();
        Path f = Fixtures.boxes(d.resolve("bench-boxes.csv"), n);
        String[] list = masters.split(",");
        Map<String, List<Double>> times = new LinkedHashMap<>();
        Map<String, Long> hashes = new LinkedHashMap<>();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (int rep = 0; rep < reps + 1; rep++) {
            for (String master : list) {
                SparkSession spark = Sessions.start(master, null);
                TaskTimes tasks = new TaskTimes();
                spark.sparkContext().addSparkListener(tasks);
                Dataset<Row> table = Tables.read(spark, f.toString()).cache();
                table.count();
                if (rep == 0) {
                    // a warm-up job on a fresh session (the JIT and the executor's model)
                    SparkCertify.certify(spark, d.resolve("reg"), table, List.of("id"),
                            new SparkCertify.Settings(100, 3, true, taskCount)).collectAsList();
                }
                tasks.reset();
                long[] machine0 = machineTicks();
                Map<String, Double> threads0 = threadCpu();
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                List<Row> out = SparkCertify.certify(spark, d.resolve("reg"), table, List.of("id"),
                        new SparkCertify.Settings(100, 3, true, taskCount)).collectAsList();
                double t = (System.nanoTime() - t0) / 1e9;
                double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                double others = othersCores(machine0, cpu, t);
                long hash = out.hashCode();
                if (rep > 0) {
                    times.computeIfAbsent(master, k -> new ArrayList<>()).add(t);
                }
                hashes.put(master, (long) hash);
                System.out.printf(Locale.ROOT, "rep %d %s: %.3f s, process CPU %.2f s, tasks %d: run %.2f s, CPU %.2f s;"
                        + " %d rows, hash %d, load %.2f, other processes %.2f cores; stages %s%n", rep, master, t, cpu,
                        tasks.count(), tasks.run() / 1e3, tasks.cpu() / 1e9, out.size(), hash, os.getSystemLoadAverage(),
                        others, tasks.stages());
                System.out.println("  CPU outside the task threads: " + outsideTasks(threads0, threadCpu()));
                if (list.length > 1 || rep == reps) {
                    table.unpersist();
                    spark.stop();
                }
            }
        }
        for (String master : list) {
            System.out.println("certify " + n + " boxes with radius search on " + master + ": " + stats(times.get(master))
                    + ", result hash " + hashes.get(master));
        }
    }

    /**
     * {@return this process's CPU seconds per thread kind (/proc/self/task: the thread's name with
     * its digits dropped, so "GC Thread#0" and "GC Thread#1" add up), empty where there is no /proc}
     */
    static Map<String, Double> threadCpu() {
        Map<String, Double> cpu = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "#");
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double seconds = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime
                    cpu.merge(name, seconds, Double::sum);
                } catch (Exception gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (Exception e) {
            return cpu;
        }
        return cpu;
    }

    /** {@return the CPU seconds each thread kind but Spark's task threads used between two readings, largest first} */
    static String outsideTasks(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> d = new java.util.HashMap<>();
        after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0.0)));
        return d.entrySet().stream()
                .filter(e -> !e.getKey().startsWith("Executor task") && e.getValue() >= 0.005)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .limit(8)
                .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** {@return the machine's busy and total CPU ticks so far (/proc/stat), or null where there is none} */
    static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * {@return the cores the other processes of the machine kept busy on average since {@code
     * before}: the machine's busy time less this process's CPU time, over the wall time}
     */
    static double othersCores(long[] before, double ownCpuSeconds, double wallSeconds) {
        long[] after = machineTicks();
        if (before == null || after == null) {
            return Double.NaN;
        }
        double busySeconds = (after[0] - before[0]) / 100.0; // USER_HZ
        return Math.max(0, busySeconds - ownCpuSeconds) / wallSeconds;
    }

    /** The run time and CPU time summed over the finished tasks (Spark's task metrics). */
    static final class TaskTimes extends org.apache.spark.scheduler.SparkListener {
        private final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong runMillis = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong cpuNanos = new java.util.concurrent.atomic.AtomicLong();
        /** Per stage: tasks, first launch, last finish (ms since the epoch), summed run time (ms). */
        private final Map<Integer, long[]> stages = new java.util.concurrent.ConcurrentSkipListMap<>();

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
                count.incrementAndGet();
                runMillis.addAndGet(end.taskMetrics().executorRunTime());
                cpuNanos.addAndGet(end.taskMetrics().executorCpuTime());
                long[] s = stages.computeIfAbsent(end.stageId(), k -> new long[] {0, Long.MAX_VALUE, 0, 0});
                synchronized (s) {
                    s[0]++;
                    s[1] = Math.min(s[1], end.taskInfo().launchTime());
                    s[2] = Math.max(s[2], end.taskInfo().finishTime());
                    s[3] += end.taskMetrics().executorRunTime();
                }
            }
        }

        void reset() {
            count.set(0);
            runMillis.set(0);
            cpuNanos.set(0);
            stages.clear();
        }

        long count() {
            return count.get();
        }

        long run() {
            return runMillis.get();
        }

        long cpu() {
            return cpuNanos.get();
        }

        /** {@return per stage "tasks x wall ms (summed run ms)", in stage order} */
        String stages() {
            StringBuilder b = new StringBuilder();
            for (long[] s : stages.values()) {
                b.append(String.format(Locale.ROOT, "[%d tasks, %d ms wall, %d ms run]", s[0], s[2] - s[1], s[3]));
            }
            return b.toString();
        }
    }

    /**
     * Step time (full batch, 10 features, hidden 32,32): one JVM ({@code Fit}'s block gradient) vs
     * Spark on a master, for each row count; the two gradients checked equal bit for bit.
     */
    static void train(String master, int[] sizes) throws Exception {
        SparkSession spark = Sessions.start(master, null);
        for (int n : sizes) {
            Random rnd = new Random(n);
            float[][] x = new float[n][10];
            float[][] y = new float[n][1];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 10; j++) {
                    x[i][j] = (float) rnd.nextGaussian();
                }
                y[i][0] = (float) Math.sin(x[i][0]);
            }
            try (Model model = Model.newInstance("bench")) {
                PolicedMlp block = PolicedMlp.builder().setRegion(Regions.box(-0.5, 0.5, 10)).setHidden(32, 32).setOutputs(1).build();
                model.setBlock(block);
                Fit.initialize(block, model, 1);
                NDManager m = model.getNDManager();
                NDArray xs = m.create(x);
                NDArray ys = m.create(y);
                Gradients sparkGradients = new SparkGradients(spark, 0).open(block, xs, ys, LossKind.MSE);
                List<Double> local = new ArrayList<>();
                List<Double> onSpark = new ArrayList<>();
                for (int rep = 0; rep < 4; rep++) {
                    long t0 = System.nanoTime();
                    ShardGradient one = BlockGradient.of(block, xs, ys, LossKind.MSE, BlockGradient.DEFAULT_BLOCK_ROWS);
                    double t = (System.nanoTime() - t0) / 1e9;
                    t0 = System.nanoTime();
                    ShardGradient sum = sparkGradients.compute(rep + 1, block);
                    double ts = (System.nanoTime() - t0) / 1e9;
                    if (!Arrays.deepEquals(one.gradient(), sum.gradient())) {
                        throw new IllegalStateException(n + " rows: the Spark gradient is not the one-JVM gradient's bits");
                    }
                    if (rep > 0) {
                        local.add(t);
                        onSpark.add(ts);
                    }
                }
                System.out.println("gradient of " + n + " rows: one JVM " + stats(local) + "; Spark " + master + " " + stats(onSpark));
            }
        }
    }
}
