package org.police4j.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every user mistake gives exit code 2, a message naming what is wrong, and no partial output;
 * run in-process for speed.
 */
class CommandErrorsTest {

    @TempDir static Path shared;
    static Path data;
    static Path model;

    @TempDir Path dir;

    @BeforeAll
    static void trainSmallModel() throws IOException {
        data = shared.resolve("data.csv");
        writeData(data, 40);
        model = shared.resolve("model");
        Cli.Result r = Cli.inProcess(train(data, shared.resolve("model"), "box:-1,1,2", "--steps", "5"));
        assertThat(r.code()).as(r.toString()).isZero();
    }

    static void writeData(Path file, int n) throws IOException {
        Random rng = new Random(7);
        StringBuilder sb = new StringBuilder("x1,x2,y\n");
        for (int i = 0; i < n; i++) {
            double a = rng.nextDouble() * 4 - 2;
            double b = rng.nextDouble() * 4 - 2;
            sb.append(a).append(',').append(b).append(',').append(Math.sin(a) + b * b).append('\n');
        }
        Files.writeString(file, sb);
    }

    static String[] train(Path data, Path out, String region, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "train", "--data", Cli.path(data), "--target", "y", "--region", region,
                "--task", "regression", "--quiet", "--samples", "10", "--out", Cli.path(out)));
        args.addAll(List.of(extra));
        if (!args.contains("--steps")) {
            args.addAll(List.of("--steps", "3"));
        }
        if (!args.contains("--hidden")) {
            args.addAll(List.of("--hidden", "4,4"));
        }
        return args.toArray(new String[0]);
    }

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    /** A failed train: exit 2, the message on stderr, nothing on disk. */
    private void trainFails(Path csv, String region, String message, String... extra) throws IOException {
        Path out = dir.resolve("out-model");
        Cli.Result r = Cli.inProcess(train(csv, out, region, extra));
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).startsWith("police4j: ").contains(message);
        assertThat(out).doesNotExist();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("out-model"));
        }
    }

    @Test
    void missingDataFile() throws IOException {
        Path missing = dir.resolve("nope.csv");
        trainFails(missing, "box:-1,1,2", "data file not found: " + missing);
    }

    @Test
    void malformedCsvNamesTheLine() throws IOException {
        Path csv = file("bad.csv", "x1,x2,y\n1,2,3\n4,5\n");
        trainFails(csv, "box:-1,1,2", csv + " line 3: 2 fields, expected 3");
        Path quote = file("quote.csv", "x1,x2,y\n1,2,3\n\"4,5,6\n");
        trainFails(quote, "box:-1,1,2", quote + " line 3: malformed CSV");
    }

    @Test
    void nonNumericValueNamesLineColumnAndValue() throws IOException {
        Path csv = file("text.csv", "x1,x2,y\n1,2,3\n4,abc,6\n");
        trainFails(csv, "box:-1,1,2", csv + " line 3, column 'x2': 'abc' is not a number");
    }

    @Test
    void missingTargetColumn() throws IOException {
        Path csv = file("t.csv", "x1,x2,z\n1,2,3\n4,5,6\n");
        trainFails(csv, "box:-1,1,2", "target column 'y' not found");
    }

    @Test
    void regionDimensionDiffersFromFeatures() throws IOException {
        trainFails(data, "simplex:3", "region 'simplex:3' has dimension 3 but the data has 2 features (x1, x2)");
    }

    @Test
    void unboundedRegion() throws IOException {
        Path json = file("u.json", "{\"A\": [[1,0],[0,1]], \"b\": [1,1]}");
        trainFails(data, Cli.path(json), "unbounded");
    }

    @Test
    void emptyRegion() throws IOException {
        Path json = file("e.json", "{\"A\": [[1,0],[-1,0],[0,1],[0,-1]], \"b\": [0,-1,1,1]}");
        trainFails(data, Cli.path(json), "empty");
    }

    @Test
    void nonFiniteVertex() throws IOException {
        Path csv = file("v.csv", "0,0\n1,NaN\n0,1\n");
        trainFails(data, Cli.path(csv), "'NaN' is not a finite number");
    }

    /** Finite as a double, infinite as a float32: refused where it is read (it was exit 3 with a stack trace). */
    @Test
    void valuesNoFloat32HoldsAreRefusedWhereTheyAreRead() throws IOException {
        String tooLarge = "is too large for a float32 (it rounds to infinity); expected a finite value a float32 can hold (|x| <= 3.4028235E38)";
        Path region = file("r.csv", "x1,x2\n0,0\n1e308,0\n0,1\n");
        trainFails(data, Cli.path(region), region + " line 3, column 'x1': '1e308' " + tooLarge);
        Path json = file("r.json", "{\"vertices\": [[0, 0], [1, 0], [0, -3.5e38]]}");
        trainFails(data, Cli.path(json), json + ": vertices[2][1] is -3.5E38; expected a finite value a float32 can hold (|x| <= 3.4028235E38):"
                + " it rounds to infinity in float32");
        Path rows = file("d.csv", "x1,x2,y\n0.5,0.5,1\n0.25,3.5e38,2\n-0.5,0.1,3\n");
        trainFails(rows, "box:-1,1,2", rows + " line 3, column 'x2': '3.5e38' " + tooLarge);
        trainFails(data, "box:-1e308,1,2", "region 'box:-1e308,1,2': '-1e308' " + tooLarge);
        Path query = file("q.csv", "x1,x2\n0.5,1e39\n");
        Path out = dir.resolve("p.csv");
        Cli.Result r = Cli.inProcess("predict", Cli.path(model), "--data", Cli.path(query), "--out", Cli.path(out));
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(query + " line 2, column 'x2': '1e39' " + tooLarge);
        assertThat(out).doesNotExist();
    }

    @Test
    void zeroHiddenWidth() throws IOException {
        trainFails(data, "box:-1,1,2", "--hidden: width 0 at position 2 of '64,0'", "--hidden", "64,0");
    }

    @Test
    void badOptionValues() throws IOException {
        trainFails(data, "box:-1,1,2", "--val-fraction: 1.0; expected 0 <= F < 1", "--val-fraction", "1");
        trainFails(data, "box:-1,1,2", "--schedule: 'x' in 'every:x' is not a number", "--schedule", "every:x");
        trainFails(data, "box:-1,1,2", "needs every:K with K > 0", "--schedule", "every:0,gamma:0.5");
        trainFails(data, "box:-1,1,2", "activation: 'tanh' is not a piecewise-affine activation",
                "--activation", "tanh");
        trainFails(data, "box:-1,1,2", "--lr: -1.0; expected a finite number > 0", "--lr", "-1");
        trainFails(data, "box:-1,1,2", "--threads: 0; expected a positive integer", "--threads", "0");
    }

    @Test
    void classificationNeedsOneTarget() throws IOException {
        Path csv = file("c.csv", "x1,x2,a,b\n1,2,u,v\n3,4,w,v\n");
        Path out = dir.resolve("out-model");
        Cli.Result r = Cli.inProcess("train", "--data", Cli.path(csv), "--target", "a,b", "--region",
                "box:-1,1,2", "--task", "classification", "--quiet", "--out", Cli.path(out));
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("exactly one --target column, got 2 (a, b)");
        assertThat(out).doesNotExist();
    }

    @Test
    void refusesToReplaceAForeignDirectory() throws IOException {
        Path out = dir.resolve("mine");
        Files.createDirectory(out);
        Files.writeString(out.resolve("precious.txt"), "keep me");
        Cli.Result r = Cli.inProcess(train(data, out, "box:-1,1,2"));
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("is not a police4j model directory (no model.json); refusing to replace it");
        assertThat(out.resolve("precious.txt")).hasContent("keep me");
    }

    private Path copyOfModel() throws IOException {
        Path copy = Files.createTempDirectory(dir, "model-copy");
        try (Stream<Path> s = Files.list(model)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.copy(p, copy.resolve(p.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return copy;
    }

    @Test
    void incompleteModelDirectory() throws IOException {
        Path m = copyOfModel();
        Files.delete(m.resolve("model.json"));
        for (String cmd : List.of("verify", "info")) {
            Cli.Result r = Cli.inProcess(cmd, Cli.path(m));
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("model.json").contains("not a police4j model directory: model.json is missing");
        }
        Cli.Result r = Cli.inProcess("predict", Cli.path(m), "--data", Cli.path(data), "--out", Cli.path(dir.resolve("p.csv")));
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(dir.resolve("p.csv")).doesNotExist();
        Cli.Result e = Cli.inProcess("export", Cli.path(m), "--out", Cli.path(dir.resolve("exp")));
        assertThat(e.code()).as(e.toString()).isEqualTo(2);
        assertThat(dir.resolve("exp")).doesNotExist();
        Cli.Result missing = Cli.inProcess("verify", Cli.path(dir.resolve("no-such-model")));
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("no-such-model").contains("model directory does not exist");
    }

    @Test
    void corruptedParameters() throws IOException {
        Path m = copyOfModel();
        Path params = m.resolve("parameters.bin");
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(params, bytes);
        for (String cmd : List.of("verify", "info")) {
            Cli.Result r = Cli.inProcess(cmd, Cli.path(m));
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("parameters.bin was changed or corrupted after it was written (SHA-256");
        }
    }

    @Test
    void editedModelJsonIsCaught() throws IOException {
        Path m = copyOfModel();
        Path json = m.resolve("model.json");
        String text = Files.readString(json);
        assertThat(text).contains("\"learningRate\" : 0.001");
        Files.writeString(json, text.replace("\"learningRate\" : 0.001", "\"learningRate\" : 0.002"));
        for (String cmd : List.of("verify", "info")) {
            Cli.Result r = Cli.inProcess(cmd, Cli.path(m));
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains(json + " was changed or corrupted after it was written");
        }
        // every file is covered: the certificate and an added file too
        Path m2 = copyOfModel();
        Files.writeString(m2.resolve("certificate.json"), "{}");
        Files.writeString(m2.resolve("notes.txt"), "mine");
        Cli.Result r = Cli.inProcess("info", Cli.path(m2));
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("certificate.json was changed").contains("notes.txt is not covered by checksums.sha256");
        // a format-2 directory without its manifest is refused
        Path m3 = copyOfModel();
        Files.delete(m3.resolve("checksums.sha256"));
        Cli.Result missing = Cli.inProcess("verify", Cli.path(m3));
        assertThat(missing.code()).as(missing.toString()).isEqualTo(2);
        assertThat(missing.err()).contains("checksums.sha256: missing");
    }

    @Test
    void formatOneDirectoryStillLoadsWithAWarning() throws IOException {
        Path m = copyOfModel();
        Files.delete(m.resolve("checksums.sha256"));
        Path json = m.resolve("model.json");
        Files.writeString(json, Files.readString(json).replace("\"formatVersion\" : 2", "\"formatVersion\" : 1"));
        Cli.Result r = Cli.inProcess("verify", Cli.path(m));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.err()).contains("is a format-1 model directory: only parameters.bin is checksummed");
    }

    @Test
    void headerOnlyCsvIsBadInput() throws IOException {
        Path csv = file("empty.csv", "x1,x2,y\n");
        trainFails(csv, "box:-1,1,2", "--data " + csv + " has a header (x1, x2, y) but no data rows");
    }

    @Test
    void predictRefusesToOverwriteItsInputs() throws IOException {
        Path csv = file("q.csv", "id,x1,x2,y\n7,0.5,0.5,1\n8,-0.5,0.1,2\n");
        byte[] before = Files.readAllBytes(csv);
        // the same file, spelt another way
        Path same = dir.resolve(".").resolve("q.csv");
        Cli.Result r = Cli.inProcess("predict", Cli.path(model), "--data", Cli.path(csv), "--out", same.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("is the input file --data").contains("refusing to overwrite the input");
        assertThat(Files.readAllBytes(csv)).isEqualTo(before);
        Cli.Result intoModel = Cli.inProcess("predict", Cli.path(model), "--data", Cli.path(csv), "--out",
                Cli.path(model.resolve("model.json")));
        assertThat(intoModel.code()).as(intoModel.toString()).isEqualTo(2);
        assertThat(intoModel.err()).contains("inside the model directory");
    }

    @Test
    void predictKeepsTheInputColumnsAndNamesItsOwn() throws IOException {
        Path csv = file("q.csv", "id,x2,y,x1\n7,0.5,1,0.25\n8,-0.5,2,0.1\n");
        Path out = dir.resolve("p.csv");
        Cli.Result r = Cli.inProcess("predict", Cli.path(model), "--data", Cli.path(csv), "--out", Cli.path(out));
        assertThat(r.code()).as(r.toString()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines.get(0)).isEqualTo("id,x2,y,x1,predicted_y");
        assertThat(lines.get(1)).startsWith("7,0.5,1,0.25,");
        Cli.Result kept = Cli.inProcess("predict", Cli.path(model), "--data", Cli.path(csv), "--out", Cli.path(out),
                "--keep", "id");
        assertThat(kept.code()).as(kept.toString()).isZero();
        assertThat(Files.readAllLines(out).get(0)).isEqualTo("id,predicted_y");
        Cli.Result unknown = Cli.inProcess("predict", Cli.path(model), "--data", Cli.path(csv), "--out",
                Cli.path(dir.resolve("p2.csv")), "--keep", "nope");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--keep: " + csv + " has no column 'nope'");
        assertThat(dir.resolve("p2.csv")).doesNotExist();
    }

    @Test
    void predictWithoutAFeatureColumn() throws IOException {
        Path csv = file("p.csv", "x1,other\n1,2\n");
        Path out = dir.resolve("pred.csv");
        Cli.Result r = Cli.inProcess("predict", Cli.path(model), "--data", Cli.path(csv), "--out", Cli.path(out));
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains(csv + " lacks the model's feature column 'x2'");
        assertThat(out).doesNotExist();
    }

    @Test
    void verifyWithARegionOfTheWrongDimension() {
        Cli.Result r = Cli.inProcess("verify", Cli.path(model), "--region", "simplex:3");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("region 'simplex:3' has dimension 3 but the data has 2 features");
    }

    @Test
    void verifyExitCodes() {
        Cli.Result ok = Cli.inProcess("verify", Cli.path(model), "--samples", "20");
        assertThat(ok.code()).as(ok.toString()).isZero();
        assertThat(ok.out()).contains("CERTIFIED: the network is affine on the region");
        // a much larger region than the one trained on: some unit straddles its kink
        Cli.Result not = Cli.inProcess("verify", Cli.path(model), "--region", "box:-100,100,2", "--samples", "20");
        assertThat(not.code()).as(not.toString()).isEqualTo(1);
        assertThat(not.out()).contains("NOT CERTIFIED").contains("first offending unit: layer ");
    }

    @Test
    void divergenceKeepsTheLastGoodCheckpoint() throws IOException {
        Path out = dir.resolve("diverged");
        Cli.Result r = Cli.inProcess(train(data, out, "box:-1,1,2", "--lr", "1e12", "--steps", "30",
                "--checkpoint-every", "1"));
        assertThat(r.code()).as(r.toString()).isEqualTo(3);
        assertThat(r.err()).contains("training diverged: the loss was not finite at step")
                .contains("Try a lower --lr").contains("--standardize");
        assertThat(out.resolve("model.json")).exists();
        assertThat(Files.readString(out.resolve("model.json"))).contains("\"status\" : \"diverged\"");
        Cli.Result v = Cli.inProcess("verify", Cli.path(out), "--samples", "10");
        assertThat(v.code()).as(v.toString()).isZero();
    }
}
