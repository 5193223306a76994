package org.police4j.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.io.DirectoryManifest;

/**
 * Mutates every file the commands read (training data, region CSV and JSON, a support region's
 * CSV, data to predict, a model directory written by {@code train}) and command-line region specs
 * in a fixed, deterministic set of ways, runs {@code train}, {@code verify} or {@code predict}
 * in-process on each, and holds every run to the bad-input contract: exit 0 or 2 (never 1, 3 or
 * an uncaught exception), no "unexpected error" and no stack trace, a message on failure that
 * names the file (and the line, for a damaged value in a CSV), and no output left behind.
 */
class FileMutationTest {

    @TempDir static Path base;
    static Path trainCsv;
    static Path regionCsv;
    static Path regionJson;
    static Path aroundCsv;
    static Path predictCsv;
    static Path model;

    /** Exit code to number of runs, for the summary. */
    private static final Map<Integer, Integer> CODES = new TreeMap<>();

    /**
     * A value a float32 holds but whose square does not: training on it may diverge, which is the
     * documented exit {@code 3} with a one-line "training failed" message, not a bug.
     */
    private static final String HUGE_FLOAT32 = "3.4e38";

    /** Replacements of one numeric field: out of float32 range, non-finite, not numbers. */
    private static final List<String> VALUES = List.of(
            "1e308", "-1e308", "3.5e38", "-3.5e38", HUGE_FLOAT32, "1e-300", "NaN", "Infinity", "-inf", "",
            "abc", "1,5", "0x1p3", "1d", "\"1\"", "1e99999");

    @BeforeAll
    static void writeValidFiles() throws IOException {
        StringBuilder t = new StringBuilder("x1,x2,y\n");
        for (int i = 0; i < 24; i++) {
            double a = (i % 6) / 2.5 - 1;
            double b = (i / 6) / 1.5 - 1;
            t.append(fmt(a)).append(',').append(fmt(b)).append(',').append(fmt(a * a - b)).append('\n');
        }
        trainCsv = write(base.resolve("train.csv"), t.toString());
        regionCsv = write(base.resolve("region.csv"), "x1,x2\n-0.5,-0.5\n0.5,-0.5\n0,0.5\n");
        regionJson = write(base.resolve("region.json"), "{\"vertices\": [[-0.5, -0.5], [0.5, -0.5], [0, 0.5]]}\n");
        aroundCsv = write(base.resolve("around.csv"), "x1,x2\n0,0\n0.5,0.5\n");
        predictCsv = write(base.resolve("predict.csv"), "x1,x2\n0.1,0.2\n-0.3,0.4\n0.5,-0.6\n");
        model = base.resolve("model");
        Cli.Result r = Cli.inProcess(train(trainCsv, Cli.path(regionCsv), model));
        assertThat(r.code()).as(r.toString()).isZero();
    }

    @AfterAll
    static void summary() {
        System.out.println("FileMutationTest: exit code -> runs: " + CODES);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static Path write(Path p, String text) throws IOException {
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    private static String[] train(Path data, String region, Path out) {
        return new String[] {"train", "--data", Cli.path(data), "--target", "y", "--region", region,
            "--task", "regression", "--quiet", "--samples", "10", "--steps", "3", "--hidden", "4,4",
            "--out", Cli.path(out)};
    }

    // ------------------------------------------------------------------ mutations of text

    /**
     * A named change of a file's text; {@code line} is the 1-based line it damages, or 0, and
     * {@code value} the field it writes there, or null.
     */
    private record Mutation(String name, UnaryOperator<String> change, int line, String value) {

        Mutation(String name, UnaryOperator<String> change) {
            this(name, change, 0, null);
        }

        boolean mayDiverge() {
            return name.contains(HUGE_FLOAT32);
        }
    }

    /** Every text mutation of a CSV file with this text. */
    private static List<Mutation> csvMutations(String text) {
        List<Mutation> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int last = lines.length - 1; // the text ends with a line break: lines[last] is ""
        int[][] positions = {{1, 0}, {last - 1, lines[last - 1].split(",").length - 1}};
        for (int[] pos : positions) {
            for (String v : VALUES) {
                int row = pos[0];
                int col = pos[1];
                out.add(new Mutation("line " + (row + 1) + " column " + (col + 1) + " := '" + v + "'",
                        s -> replaceField(s, row, col, v), row + 1, v));
            }
        }
        out.add(new Mutation("line 2 one column fewer", s -> editLine(s, 1, l -> l.substring(0, l.lastIndexOf(','))), 2, null));
        out.add(new Mutation("line 2 one column more", s -> editLine(s, 1, l -> l + ",0.25"), 2, null));
        out.add(new Mutation("header removed", s -> s.substring(s.indexOf('\n') + 1)));
        out.add(new Mutation("header duplicated", s -> s.substring(0, s.indexOf('\n') + 1) + s));
        out.add(new Mutation("header column renamed to a number", s -> editLine(s, 0, l -> "7" + l.substring(2))));
        out.add(new Mutation("header column duplicated", s -> editLine(s, 0, l -> l.replaceFirst("x2", "x1"))));
        for (int k = 1; k <= 4; k++) {
            int kk = k;
            out.add(new Mutation("truncated at " + k + "/5", s -> s.substring(0, s.length() * kk / 5)));
        }
        out.add(new Mutation("truncated to nothing", s -> ""));
        out.add(new Mutation("last line break removed", s -> s.substring(0, s.length() - 1)));
        out.add(new Mutation("BOM", s -> "\uFEFF" + s));
        out.add(new Mutation("CRLF", s -> s.replace("\n", "\r\n")));
        out.add(new Mutation("blank lines", s -> s.replace("\n", "\n\n")));
        out.add(new Mutation("unclosed quote", s -> editLine(s, 1, l -> "\"" + l)));
        out.add(new Mutation("semicolons", s -> s.replace(',', ';')));
        out.add(new Mutation("NUL byte", s -> s.replaceFirst("\n", "\n\0")));
        return out;
    }

    private static String editLine(String text, int row, UnaryOperator<String> f) {
        String[] lines = text.split("\n", -1);
        lines[row] = f.apply(lines[row]);
        return String.join("\n", lines);
    }

    private static String replaceField(String text, int row, int col, String value) {
        return editLine(text, row, l -> {
            String[] f = l.split(",", -1);
            f[col] = value;
            return String.join(",", f);
        });
    }

    /** Mutations of a JSON file: its numbers replaced, its syntax broken. */
    private static List<Mutation> jsonMutations(String text) {
        List<Mutation> out = new ArrayList<>();
        for (String v : List.of("1e308", "-1e308", "3.5e38", "1e99999", "NaN", "Infinity", "\"1\"", "null", "[]")) {
            out.add(new Mutation("first number := " + v, s -> replaceNumber(s, 0, v)));
            out.add(new Mutation("fourth number := " + v, s -> replaceNumber(s, 3, v)));
        }
        for (int k = 1; k <= 3; k++) {
            int kk = k;
            out.add(new Mutation("truncated at " + k + "/4", s -> s.substring(0, s.length() * kk / 4)));
        }
        out.add(new Mutation("empty", s -> ""));
        out.add(new Mutation("BOM", s -> "\uFEFF" + s));
        out.add(new Mutation("CRLF", s -> s.replace("\n", "\r\n")));
        out.add(new Mutation("an array", s -> "[" + s + "]"));
        out.add(new Mutation("one vertex dropped", s -> s.replace("[-0.5, -0.5], ", "")));
        out.add(new Mutation("a vertex of one coordinate", s -> s.replace("[-0.5, -0.5]", "[-0.5]")));
        return out;
    }

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?");

    private static String replaceNumber(String text, int index, String value) {
        Matcher m = NUMBER.matcher(text);
        for (int i = 0; i <= index; i++) {
            if (!m.find()) {
                throw new AssertionError("no number " + index + " in " + text);
            }
        }
        return text.substring(0, m.start()) + value + text.substring(m.end());
    }

    // ------------------------------------------------------------------ the contract

    /**
     * Asserts the contract on one run.
     *
     * @param r the run
     * @param names what the message must name on failure (a file name, a spec)
     * @param line the line a failure must name, or 0
     * @param mayDiverge whether training may diverge on valid but huge values (exit 3)
     * @param outputs what must not exist after a failure
     */
    private static void holdsContract(Cli.Result r, List<String> names, int line, boolean mayDiverge, Path... outputs)
            throws IOException {
        synchronized (CODES) {
            CODES.merge(r.code(), 1, Integer::sum);
        }
        if (mayDiverge && r.code() == 3) {
            // the loss, or the rounding guard's bound of values near float32's limit, was not finite
            assertThat(r.err()).as(r.toString()).containsPattern("police4j: training failed: (the loss was not finite"
                    + "|step \\d+: layer \\d+, unit \\d+: )");
        } else {
            assertThat(r.code()).as(r.toString()).isIn(0, 2);
        }
        assertThat(r.err()).as(r.toString())
                .doesNotContain("unexpected error")
                .doesNotContain("\tat ")
                .doesNotContain("Exception");
        if (r.code() != 0) {
            assertThat(r.err()).as(r.toString()).startsWith("police4j: ");
            if (r.code() == 2) {
                assertThat(names).as(r.toString()).anyMatch(n -> r.err().contains(n));
            }
            if (line > 0 && r.code() == 2) {
                assertThat(r.err()).as(r.toString()).containsPattern("line " + line + "\\b");
            }
            for (Path o : outputs) {
                assertThat(o).as(r.toString()).doesNotExist();
                try (Stream<Path> s = Files.list(o.getParent())) {
                    String stem = o.getFileName().toString();
                    assertThat(s.map(p -> p.getFileName().toString())).as(r.toString())
                            .noneMatch(n -> n.contains(stem));
                }
            }
        }
    }

    private static Path copy(Path file, Path dir) throws IOException {
        Files.createDirectories(dir);
        return Files.copy(file, dir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Each mutation of {@code file}'s text applied to a copy in a fresh directory, then run. */
    private static Stream<DynamicTest> mutated(String label, Path file, List<Mutation> mutations, Runner runner)
            throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<DynamicTest> tests = new ArrayList<>();
        int k = 0;
        for (Mutation m : mutations) {
            int id = k++;
            tests.add(DynamicTest.dynamicTest(label + ": " + m.name(), () -> {
                Path dir = base.resolve(label.replaceAll("\\W", "") + "-" + id);
                Path copy = copy(file, dir);
                Files.writeString(copy, m.change().apply(text), StandardCharsets.UTF_8);
                runner.run(copy, dir, m);
            }));
        }
        Path dir = base.resolve(label.replaceAll("\\W", "") + "-deleted");
        tests.add(DynamicTest.dynamicTest(label + ": file deleted", () -> {
            Files.createDirectories(dir);
            runner.run(dir.resolve(file.getFileName()), dir, new Mutation("deleted", s -> s));
        }));
        return tests.stream();
    }

    @FunctionalInterface
    private interface Runner {
        void run(Path mutatedFile, Path dir, Mutation mutation) throws IOException;
    }

    private static List<String> name(Path p) {
        return List.of(p.getFileName().toString());
    }

    // ------------------------------------------------------------------ the runs

    /**
     * Each mutation of {@code file}, run by {@code command} (from the mutated file and the output
     * path to the arguments), the output being {@code output} in the mutation's directory.
     */
    private static Stream<DynamicTest> runs(String label, Path file, List<Mutation> mutations, String output,
            BiFunction<Path, Path, String[]> command) throws IOException {
        return mutated(label, file, mutations, (f, dir, m) -> {
            Path out = dir.resolve(output);
            Cli.Result r = Cli.inProcess(command.apply(f, out));
            holdsContract(r, name(f), m.line(), m.mayDiverge(), out);
            if (r.code() == 2 && m.value() != null && !m.value().contains(",") && !m.value().contains("\"")) {
                assertThat(r.err()).as(r.toString()).contains("'" + m.value() + "'");
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> trainingData() throws IOException {
        return runs("train --data", trainCsv, csvMutations(Files.readString(trainCsv)), "out-model",
                (f, out) -> train(f, Cli.path(regionCsv), out));
    }

    @TestFactory
    Stream<DynamicTest> regionCsv() throws IOException {
        return runs("train --region csv", regionCsv, csvMutations(Files.readString(regionCsv)), "out-model",
                (f, out) -> train(trainCsv, Cli.path(f), out));
    }

    @TestFactory
    Stream<DynamicTest> supportRegionCsv() throws IOException {
        return runs("train --region box-around", aroundCsv, csvMutations(Files.readString(aroundCsv)), "out-model",
                (f, out) -> train(trainCsv, "box-around:" + Cli.path(f), out));
    }

    @TestFactory
    Stream<DynamicTest> regionJson() throws IOException {
        return runs("train --region json", regionJson, jsonMutations(Files.readString(regionJson)), "out-model",
                (f, out) -> train(trainCsv, Cli.path(f), out));
    }

    @TestFactory
    Stream<DynamicTest> dataToPredict() throws IOException {
        return runs("predict --data", predictCsv, csvMutations(Files.readString(predictCsv)), "predictions.csv",
                (f, out) -> new String[] {"predict", Cli.path(model), "--data", Cli.path(f), "--out", Cli.path(out)});
    }

    @TestFactory
    Stream<DynamicTest> regionSpecs() {
        List<String> specs = new ArrayList<>();
        for (String v : List.of("1e308", "-1e308", "3.5e38", "NaN", "inf", "", "abc")) {
            specs.add("box:" + v + ",1,2");
            specs.add("box:-1," + v + ",2");
            specs.add("l1ball:0," + v + ",1");
            specs.add("l1ball:0,0," + v);
            specs.add("box-quantiles:" + v + ",0.9");
        }
        specs.addAll(List.of("box:3e38,3.4e38,2", "l1ball:3e38,0,3e38", "box:-1,1", "box:1,-1,2", "simplex:0"));
        return specs.stream().map(spec -> DynamicTest.dynamicTest("train --region " + spec, () -> {
            Path out = base.resolve("spec-" + Integer.toHexString(spec.hashCode()));
            holdsContract(Cli.inProcess(train(trainCsv, spec, out)), List.of(spec), 0, spec.contains(HUGE_FLOAT32), out);
        }));
    }

    /** Flipped bytes, truncations, deletions and re-sealed edits of each file of a model directory. */
    @TestFactory
    Stream<DynamicTest> modelDirectory() throws IOException {
        List<String> files;
        try (Stream<Path> s = Files.list(model)) {
            files = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(files).contains("model.json", "parameters.bin", DirectoryManifest.FILE);
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : files) {
            long size = Files.size(model.resolve(file));
            for (long at : new long[] {0, size / 3, size / 2, size - 1}) {
                tests.add(modelRun(file + ": byte " + at + " flipped", file, b -> {
                    b[(int) at] ^= 0x04;
                    return b;
                }, false));
            }
            for (long at : new long[] {0, size / 2, size - 1}) {
                tests.add(modelRun(file + ": truncated at " + at, file,
                        b -> Arrays.copyOf(b, (int) at), false));
            }
            tests.add(modelRun(file + ": deleted", file, b -> null, false));
        }
        // model.json edited and its checksum recomputed: the numbers themselves are checked
        String json = Files.readString(model.resolve("model.json"));
        for (String v : List.of("1e308", "-3.5e38", "1e99999", "NaN", "\"x\"")) {
            for (int index : new int[] {0, 5, 20}) {
                tests.add(modelRun("model.json (re-sealed): number " + index + " := " + v, "model.json",
                        b -> replaceNumber(json, index, v).getBytes(StandardCharsets.UTF_8), true));
            }
            for (String key : List.of("\"rawRegion\"", "\"regions\"", "\"standardizer\"")) {
                int at = json.indexOf(key);
                if (at >= 0) {
                    tests.add(modelRun("model.json (re-sealed): first number of " + key + " := " + v, "model.json",
                            b -> (json.substring(0, at) + replaceNumber(json.substring(at), 0, v))
                                    .getBytes(StandardCharsets.UTF_8), true));
                }
            }
        }
        return tests.stream();
    }

    private static final AtomicInteger MODEL_COPIES = new AtomicInteger();

    private DynamicTest modelRun(String name, String file, UnaryOperator<byte[]> change, boolean reseal) {
        return DynamicTest.dynamicTest(name, () -> {
            Path dir = base.resolve("models-" + MODEL_COPIES.incrementAndGet());
            Path m = dir.resolve("model");
            Files.createDirectories(m);
            try (Stream<Path> s = Files.list(model)) {
                for (Path p : s.toList()) {
                    Files.copy(p, m.resolve(p.getFileName()));
                }
            }
            byte[] changed = change.apply(Files.readAllBytes(m.resolve(file)));
            if (changed == null) {
                Files.delete(m.resolve(file));
            } else {
                Files.write(m.resolve(file), changed);
            }
            if (reseal) {
                DirectoryManifest.write(m);
            }
            List<String> names = List.of(file, Cli.path(m));
            List<String> before = listing(m);
            holdsContract(Cli.inProcess("verify", Cli.path(m), "--samples", "10"), names, 0, false);
            assertThat(listing(m)).as("verify leaves the model directory as it was").isEqualTo(before);
            Path out = dir.resolve("predictions.csv");
            holdsContract(Cli.inProcess("predict", Cli.path(m), "--data", Cli.path(predictCsv), "--out", Cli.path(out)),
                    names, 0, false, out);
        });
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
