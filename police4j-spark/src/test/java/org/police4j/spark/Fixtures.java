package org.police4j.spark;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.police4j.cli.Main;
import picocli.CommandLine;

/**
 * What the Spark tests share, made once per test JVM: a local[2] session, and models trained by
 * the one-JVM {@code police4j train} (a regression on three standardized features with two
 * targets, and a three-class classifier) with query tables.
 */
final class Fixtures {

    private static Path dir;
    private static SparkSession spark;

    private Fixtures() {}

    static synchronized SparkSession spark() {
        if (spark == null) {
            SparkMain.commandLine();
            spark = Sessions.start("local[2]", null);
        }
        return spark;
    }

    static synchronized Path dir() throws Exception {
        if (dir == null) {
            Path d = Files.createTempDirectory("police4j-spark-test");
            d.toFile().deleteOnExit();
            Random rng = new Random(21);
            StringBuilder reg = new StringBuilder("x1,note,x2,x3,y1,y2\n");
            StringBuilder cls = new StringBuilder("a,b,label\n");
            for (int i = 0; i < 300; i++) {
                double a = rng.nextDouble() * 10;
                double b = rng.nextDouble() * 100 - 50;
                double c = rng.nextGaussian();
                reg.append(a).append(",n").append(i).append(',').append(b).append(',').append(c).append(',')
                        .append(Math.sin(a) + 0.02 * b + c).append(',').append(a * b / 50).append('\n');
                double u = rng.nextDouble() * 2 - 1;
                double v = rng.nextDouble() * 2 - 1;
                cls.append(u).append(',').append(v).append(',').append(u > 0.3 ? "hi" : v > 0 ? "mid" : "lo").append('\n');
            }
            Files.writeString(d.resolve("train.csv"), reg);
            Files.writeString(d.resolve("classes.csv"), cls);
            cli(d, "train", "--data", "train.csv", "--target", "y1,y2", "--features", "x1,x2,x3",
                    "--region", "box:-1,1,3", "--task", "regression", "--hidden", "16,16", "--steps", "30",
                    "--batch", "64", "--standardize", "--seed", "5", "--quiet", "--out", "reg");
            cli(d, "train", "--data", "classes.csv", "--target", "label", "--region", "l1ball:0.5,0.5,0.25",
                    "--task", "classification", "--hidden", "12,12", "--steps", "30", "--seed", "3", "--quiet", "--out", "cls");
            StringBuilder q = new StringBuilder("id,x3,x1,x2\n");
            for (int i = 0; i < 1500; i++) {
                q.append(i).append(',').append(rng.nextGaussian()).append(',').append(rng.nextDouble() * 10)
                        .append(',').append(rng.nextDouble() * 100 - 50).append('\n');
            }
            Files.writeString(d.resolve("query.csv"), q);
            cli(d, "predict", "reg", "--data", "query.csv", "--out", "cli-reg.csv");
            cli(d, "predict", "cls", "--data", "classes.csv", "--out", "cli-cls.csv", "--keep", "a,b");
            dir = d;
        }
        return dir;
    }

    /**
     * Writes n boxes (id, x1, x2, x3, radius) around points of the regression model's inputs: even
     * rows small (certified), odd rows up to 20 wide (mostly not).
     */
    static Path boxes(Path file, int n) throws java.io.IOException {
        Random rnd = new Random(9);
        StringBuilder csv = new StringBuilder("id,x1,x2,x3,radius\n");
        for (int i = 0; i < n; i++) {
            csv.append("b").append(i);
            for (int j = 0; j < 3; j++) {
                csv.append(',').append(rnd.nextDouble() * 2 - 1);
            }
            csv.append(',').append(i % 2 == 0 ? 0.05 : 20 * rnd.nextDouble()).append('\n');
        }
        Files.writeString(file, csv);
        return file;
    }

    /** Runs the one-JVM command line in a directory (paths relative to it); fails unless it exits 0. */
    static void cli(Path d, String... args) {
        String[] abs = args.clone();
        for (int i = 0; i < abs.length; i++) {
            if (i > 0 && (abs[i - 1].equals("--data") || abs[i - 1].equals("--out")) || i == 1 && !abs[1].startsWith("-")) {
                abs[i] = d.resolve(abs[i]).toString();
            }
        }
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        int code = cli.execute(abs);
        if (code != 0) {
            throw new AssertionError("police4j " + String.join(" ", args) + " exited " + code + ": " + err);
        }
    }

    /** The Spark command line's result. */
    record Run(int code, String out, String err) {}

    static Run spark(String... args) {
        spark();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = SparkMain.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
