package org.police4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a JMH JSON result file ({@code -rf json -rff results.json}) of {@link TrainStepBenchmark}
 * and {@link InferenceBenchmark} and prints Markdown tables of the ratios, always between
 * medians measured in that same file (same run, same environment).
 *
 * <pre>java -cp police4j-bench/target/police4j-bench.jar org.police4j.bench.RatioReport results.json</pre>
 *
 * <p>Training: POLICEd / unconstrained median step time, next to the floor (N+P)/N (the extra
 * rows alone, if everything scaled with the row count) and the paper's GPU slow-down. Inference:
 * folded / unconstrained (and POLICEd-unfolded / unconstrained) at each batch size.
 */
public final class RatioReport {

    private static final Map<String, String> PAPER_GPU = Map.of(
            "2:2:256", "4.5x",
            "2:4:64", "5.7x",
            "784:2:1024", "5.5x",
            "784:8:1024", "6.6x",
            "2:4:4096", "1.4x",
            "3072:6:4096", "3.9x");

    private RatioReport() {}

    /** One measured cell: median, spread and sample count. */
    record Cell(double median, double p90, double min, double mean, double error, long samples, String unit) {
        String show() {
            return fmt(median) + " (p90 " + fmt(p90) + ")";
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: RatioReport results.json");
            System.exit(2);
        }
        System.out.print(report(new ObjectMapper().readTree(Files.readString(Path.of(args[0])))));
    }

    static String report(JsonNode root) {
        // key: benchmark class simple name | config | variant | batch
        Map<String, Cell> cells = new LinkedHashMap<>();
        Set<String> trainConfigs = new LinkedHashSet<>();
        Set<String> inferConfigs = new LinkedHashSet<>();
        Set<String> batches = new LinkedHashSet<>();
        for (JsonNode run : root) {
            String bench = run.path("benchmark").asText();
            JsonNode params = run.path("params");
            String config = params.path("config").asText();
            String variant = params.path("variant").asText();
            String batch = params.path("batch").asText("");
            boolean train = bench.contains("TrainStepBenchmark");
            if (train) {
                trainConfigs.add(config);
            } else if (bench.contains("InferenceBenchmark")) {
                inferConfigs.add(config);
                batches.add(batch);
            } else {
                continue;
            }
            cells.put(key(train, config, variant, batch), cell(run));
        }
        StringBuilder out = new StringBuilder();
        JsonNode first = root.path(0);
        if (!first.isMissingNode()) {
            out.append("JMH ").append(first.path("jmhVersion").asText("?"))
                    .append(", JDK ").append(first.path("jdkVersion").asText("?"))
                    .append(" (").append(first.path("vmName").asText("?"))
                    .append(' ').append(first.path("vmVersion").asText("?"))
                    .append("), forks ").append(first.path("forks").asText("?"))
                    .append(", warm-up ").append(first.path("warmupIterations").asText("?"))
                    .append(" x ").append(first.path("warmupTime").asText("?"))
                    .append(", measurement ").append(first.path("measurementIterations").asText("?"))
                    .append(" x ").append(first.path("measurementTime").asText("?"))
                    .append(", JVM args ").append(first.path("jvmArgs").toString())
                    .append("\n\n");
        }
        if (!trainConfigs.isEmpty()) {
            String unit = unitOf(cells, true);
            out.append("Training step (zero-grad + forward + MSE + backward), N = ")
                    .append(BenchConfig.BATCH)
                    .append(", medians in ")
                    .append(unit)
                    .append(" (p90 in brackets):\n\n");
            out.append("| D:L:W | P | unconstrained | POLICEd | ratio | floor (N+P)/N | ratio/floor"
                    + " | detached | ratio | floor (3N+P)/3N | ratio/floor | samples (unc./POL./det.) | paper GPU |\n");
            out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (String config : trainConfigs) {
                Cell u = cells.get(key(true, config, "unconstrained", ""));
                Cell p = cells.get(key(true, config, "policed", ""));
                Cell d = cells.get(key(true, config, "detached", ""));
                int pVertices = BenchConfig.parse(config).vertices();
                double n = BenchConfig.BATCH;
                out.append("| ").append(config)
                        .append(" | ").append(pVertices)
                        .append(" | ").append(u == null ? "-" : u.show());
                appendRatio(out, p, u, (n + pVertices) / n);
                appendRatio(out, d, u, (3 * n + pVertices) / (3 * n));
                out.append(" | ").append(u == null ? "-" : u.samples())
                        .append(" / ").append(p == null ? "-" : p.samples())
                        .append(" / ").append(d == null ? "-" : d.samples())
                        .append(" | ").append(PAPER_GPU.getOrDefault(config, "-"))
                        .append(" |\n");
            }
            out.append('\n');
        }
        if (!inferConfigs.isEmpty()) {
            String unit = unitOf(cells, false);
            out.append("Inference (forward only, no gradient), medians in ")
                    .append(unit)
                    .append(" (p90 in brackets):\n\n");
            out.append("| D:L:W | batch | unconstrained | folded | folded/unc. | POLICEd unfolded"
                    + " | unfolded/unc. |\n");
            out.append("|---|---|---|---|---|---|---|\n");
            for (String config : inferConfigs) {
                for (String batch : batches) {
                    Cell u = cells.get(key(false, config, "unconstrained", batch));
                    Cell f = cells.get(key(false, config, "folded", batch));
                    Cell p = cells.get(key(false, config, "policed", batch));
                    if (u == null && f == null && p == null) {
                        continue;
                    }
                    out.append("| ").append(config)
                            .append(" | ").append(batch)
                            .append(" | ").append(u == null ? "-" : u.show())
                            .append(" | ").append(f == null ? "-" : f.show())
                            .append(" | ").append(ratio(f, u))
                            .append(" | ").append(p == null ? "-" : p.show())
                            .append(" | ").append(ratio(p, u))
                            .append(" |\n");
                }
            }
            out.append('\n');
        }
        if (out.length() == 0) {
            out.append("no TrainStepBenchmark or InferenceBenchmark results in the file\n");
        }
        return out.toString();
    }

    /** Cell, its ratio to the unconstrained median, the floor and the ratio over the floor. */
    private static void appendRatio(StringBuilder out, Cell cell, Cell unconstrained, double floor) {
        out.append(" | ").append(cell == null ? "-" : cell.show());
        if (cell != null && unconstrained != null) {
            double ratio = cell.median() / unconstrained.median();
            out.append(" | ").append(String.format(Locale.ROOT, "%.2f", ratio))
                    .append(" | ").append(String.format(Locale.ROOT, "%.3f", floor))
                    .append(" | ").append(String.format(Locale.ROOT, "%.2f", ratio / floor));
        } else {
            out.append(" | - | ").append(String.format(Locale.ROOT, "%.3f", floor)).append(" | -");
        }
    }

    private static String key(boolean train, String config, String variant, String batch) {
        return (train ? "train" : "infer") + "|" + config + "|" + variant + "|" + batch;
    }

    private static String unitOf(Map<String, Cell> cells, boolean train) {
        for (Map.Entry<String, Cell> e : cells.entrySet()) {
            if (e.getKey().startsWith(train ? "train|" : "infer|")) {
                return e.getValue().unit();
            }
        }
        return "?";
    }

    private static String ratio(Cell a, Cell b) {
        return a == null || b == null ? "-" : String.format(Locale.ROOT, "%.2f", a.median() / b.median());
    }

    /** The median from SampleTime's percentiles; in other modes, the score (a mean). */
    static Cell cell(JsonNode run) {
        JsonNode m = run.path("primaryMetric");
        double score = m.path("score").asDouble();
        boolean sample = "sample".equals(run.path("mode").asText());
        JsonNode pct = m.path("scorePercentiles");
        double median = sample && pct.has("50.0") ? pct.path("50.0").asDouble() : score;
        double p90 = sample && pct.has("90.0") ? pct.path("90.0").asDouble() : Double.NaN;
        double min = sample && pct.has("0.0") ? pct.path("0.0").asDouble() : Double.NaN;
        long samples = 0;
        // rawDataHistogram: forks -> iterations -> [value, count] pairs (SampleTime only)
        for (JsonNode fork : m.path("rawDataHistogram")) {
            for (JsonNode iteration : fork) {
                for (JsonNode pair : iteration) {
                    samples += pair.path(1).asLong();
                }
            }
        }
        if (samples == 0) {
            for (JsonNode fork : m.path("rawData")) {
                samples += fork.size();
            }
        }
        return new Cell(median, p90, min, score, m.path("scoreError").asDouble(Double.NaN), samples,
                m.path("scoreUnit").asText("?"));
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
