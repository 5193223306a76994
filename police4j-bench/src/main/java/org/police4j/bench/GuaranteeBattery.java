package org.police4j.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.police4j.guarantee.CaseRunner;
import org.police4j.guarantee.RandomCase;
import org.police4j.io.AtomicFile;
import org.police4j.testing.ExactChecker;

/**
 * The long run of the guarantee property test ({@code TrainingKeepsGuaranteeProperties} in the
 * core's tests): draws {@link RandomCase}s from consecutive seeds, trains each a few AdamW steps
 * and, after random steps, holds the certificate against the independent exact checker. Prints
 * the counts (networks, checks, engine failures, refuted certificates, non-finite stops, errors,
 * time) with a breakdown by the case's parameters, and writes every failing check to a CSV.
 *
 * <pre>
 * java -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *     -cp police4j-bench/target/police4j-bench.jar org.police4j.bench.GuaranteeBattery \
 *     --networks 5000 --seed 1 --threads 1 --minutes 0 --csv battery-failures.csv
 * </pre>
 *
 * {@code --minutes M} (0: no limit) stops drawing new cases after M minutes, so a time budget
 * gives as many networks as fit; {@code --verbose} prints the certificate of every failing check
 * (with {@code --networks 1 --seed S}: one case's reproducer). Cases are independent and seeded (their initial weights come
 * from the case's seed, not the engine's), so the result does not depend on {@code --threads}.
 */
public final class GuaranteeBattery {

    private GuaranteeBattery() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true"); // no network call at engine start
        }
        int networks = 300;
        long seed = 1;
        int threads = 1;
        double minutes = 0;
        Path csv = Path.of("guarantee-failures.csv");
        for (int i = 0; i < args.length; i++) {
            String key = args[i];
            if (key.equals("--verbose")) {
                System.setProperty("guarantee.verbose", "true"); // CaseRunner prints failing certificates
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(key + ": missing value");
            }
            String value = args[++i];
            switch (key) {
                case "--networks":
                    networks = positive(key, Integer.parseInt(value));
                    break;
                case "--seed":
                    seed = Long.parseLong(value);
                    break;
                case "--threads":
                    threads = positive(key, Integer.parseInt(value));
                    break;
                case "--minutes":
                    minutes = Double.parseDouble(value);
                    break;
                case "--csv":
                    csv = Path.of(value);
                    break;
                default:
                    throw new IllegalArgumentException(
                            "unknown option '" + key + "'; expected --networks N, --seed S, --threads T, --minutes M, --csv FILE, --verbose");
            }
        }
        run(networks, seed, threads, minutes, csv, System.out);
    }

    private static int positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + ": " + v + "; expected > 0");
        }
        return v;
    }

    /** Runs the battery and prints its summary to {@code out}. */
    static void run(int networks, long seed, int threads, double minutes, Path csv, PrintStream out)
            throws Exception {
        long start = System.nanoTime();
        long deadline = minutes > 0 ? start + (long) (minutes * 60e9) : Long.MAX_VALUE;
        out.printf(Locale.ROOT, "guarantee battery: up to %d networks from seed %d, %d thread(s)%s%n",
                networks, seed, threads, minutes > 0 ? ", at most " + minutes + " min" : "");
        List<CaseRunner.Report> reports = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<CaseRunner.Report>> futures = new ArrayList<>();
            for (int i = 0; i < networks; i++) {
                long s = seed + i;
                futures.add(pool.submit(() -> System.nanoTime() > deadline ? null : CaseRunner.run(RandomCase.draw(s))));
            }
            int failing = 0;
            for (Future<CaseRunner.Report> f : futures) {
                CaseRunner.Report r = f.get();
                if (r == null) {
                    continue;
                }
                reports.add(r);
                if (r.failed()) {
                    failing++;
                }
                if (reports.size() % 100 == 0) {
                    out.printf(Locale.ROOT, "  %d networks, %d failing, %.0f s%n",
                            reports.size(), failing, (System.nanoTime() - start) / 1e9);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        summary(reports, seconds, out);
        writeCsv(reports, csv);
        out.println("failing checks written to " + csv.toAbsolutePath());
    }

    static void summary(List<CaseRunner.Report> reports, double seconds, PrintStream out) {
        long checks = 0;
        long engine = 0;
        long refuted = 0;
        long strict = 0;
        int notFinite = 0;
        int errors = 0;
        int failing = 0;
        int engineNets = 0;
        int refutedNets = 0;
        for (CaseRunner.Report r : reports) {
            checks += r.checks().size();
            long e = r.count(CaseRunner.Outcome.ENGINE_FAILURE);
            long f = r.count(CaseRunner.Outcome.REFUTED_CERTIFICATE);
            engine += e + f; // a refuted certificate is also a network that is not affine
            refuted += f;
            strict += r.count(CaseRunner.Outcome.CERTIFICATE_TOO_STRICT);
            engineNets += e + f > 0 ? 1 : 0;
            refutedNets += f > 0 ? 1 : 0;
            notFinite += r.notFinite() != null ? 1 : 0;
            errors += r.error() != null ? 1 : 0;
            failing += r.failed() ? 1 : 0;
        }
        out.printf(Locale.ROOT, "networks:               %d (%d with any failure)%n", reports.size(), failing);
        out.printf(Locale.ROOT, "checks:                 %d%n", checks);
        out.printf(Locale.ROOT, "engine failures:        %d checks in %d networks (the exact checker finds a straddling unit)%n", engine, engineNets);
        out.printf(Locale.ROOT, "refuted certificates:   %d checks in %d networks (certified, but the checker finds a straddle)%n", refuted, refutedNets);
        out.printf(Locale.ROOT, "certificate too strict: %d checks (the checker finds the network affine, the certificate refuses)%n", strict);
        out.printf(Locale.ROOT, "not-finite stops:       %d networks%n", notFinite);
        out.printf(Locale.ROOT, "other errors:           %d networks%n", errors);
        out.printf(Locale.ROOT, "time:                   %.1f s (%.2f s per network)%n", seconds, seconds / Math.max(1, reports.size()));
        out.println("failing networks / networks, by parameter:");
        breakdown(reports, out, "learning rate", r -> r.c().learningRate() <= 0.01 ? "<= 0.01" : r.c().learningRate() <= 0.1 ? "(0.01, 0.1]" : "(0.1, 1]");
        breakdown(reports, out, "initial-weight scale", r -> r.c().initScale() == 1 ? "x1" : r.c().initScale() <= 10 ? "(x1, x10]" : r.c().initScale() <= 100 ? "(x10, x100]" : "(x100, x1000]");
        breakdown(reports, out, "every range at an end (extreme)", r -> String.valueOf(r.c().extreme()));
        breakdown(reports, out, "kinks through a region", r -> String.valueOf(r.c().kinksThrough()));
        breakdown(reports, out, "region scale", r -> decade(r.c().scale()));
        breakdown(reports, out, "region offset", r -> r.c().offset() == 0 ? "0" : decade(r.c().offset()));
        breakdown(reports, out, "regions", r -> r.c().regions().size() > 1 ? "several" : r.c().regionKind().replaceAll("\\(.*", ""));
        breakdown(reports, out, "sign rule", r -> r.c().regions().size() > 1 ? "several regions" : r.c().rule().name());
        breakdown(reports, out, "margin", r -> r.c().margin() == 1e-4 ? "default" : "1e-8..1e-2");
        breakdown(reports, out, "strategy", r -> r.c().strategy().name());
        breakdown(reports, out, "detached", r -> String.valueOf(r.c().detached()));
        breakdown(reports, out, "activation", r -> r.c().activation().id());
        breakdown(reports, out, "depth", r -> String.valueOf(r.c().hidden().length));
        breakdown(reports, out, "steps", r -> r.c().steps() == 0 ? "0" : r.c().steps() <= 10 ? "1-10" : "11-50");
    }

    private static String decade(double v) {
        return "1e" + (int) Math.floor(Math.log10(v));
    }

    private static void breakdown(List<CaseRunner.Report> reports, PrintStream out, String name, Function<CaseRunner.Report, String> key) {
        Map<String, int[]> cells = new TreeMap<>();
        for (CaseRunner.Report r : reports) {
            int[] c = cells.computeIfAbsent(key.apply(r), k -> new int[2]);
            c[0] += r.failed() ? 1 : 0;
            c[1]++;
        }
        StringBuilder sb = new StringBuilder("  ").append(name).append(':');
        cells.forEach((k, c) -> sb.append("  ").append(k).append(' ').append(c[0]).append('/').append(c[1]));
        out.println(sb);
    }

    static void writeCsv(List<CaseRunner.Report> reports, Path csv) throws IOException {
        StringBuilder sb = new StringBuilder("seed,step,region,outcome,layer,unit,min,max,straddling_units,certified,case\n");
        for (CaseRunner.Report r : reports) {
            if (r.error() != null || r.notFinite() != null) {
                sb.append(r.c().seed()).append(',').append(r.stepsDone()).append(",,")
                        .append(r.error() != null ? "ERROR" : "NOT_FINITE").append(",,,,,,,")
                        .append(quote(r.c() + " : " + (r.error() != null ? r.error() : r.notFinite()))).append('\n');
            }
            for (CaseRunner.Check k : r.checks()) {
                if (k.outcome() == CaseRunner.Outcome.OK) {
                    continue;
                }
                ExactChecker.Straddle s = k.exact().first();
                sb.append(r.c().seed()).append(',').append(k.step()).append(',').append(k.region()).append(',')
                        .append(k.outcome()).append(',')
                        .append(s == null ? "" : s.layer()).append(',')
                        .append(s == null ? "" : s.unit()).append(',')
                        .append(s == null ? "" : s.min().doubleValue()).append(',')
                        .append(s == null ? "" : s.max().doubleValue()).append(',')
                        .append(k.exact().straddles()).append(',')
                        .append(k.certified()).append(',')
                        .append(quote(r.c().toString())).append('\n');
            }
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(csv, o -> o.write(bytes));
    }

    private static String quote(String s) {
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
