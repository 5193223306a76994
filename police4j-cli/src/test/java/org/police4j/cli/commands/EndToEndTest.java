package org.police4j.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real command in a subprocess: train, verify, predict, export, info on small generated CSV
 * files; then the export is loaded with plain DJL (see {@link PlainDjl}) and must reproduce
 * predict's output and follow the certified affine map on the region.
 */
class EndToEndTest {

    @TempDir Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A parsed CSV with a header (no quoting needed for the files used here). */
    record Csv(List<String> header, List<String[]> rows) {
        static Csv read(Path p) throws IOException {
            List<String> lines = Files.readAllLines(p);
            List<String[]> rows = new ArrayList<>();
            for (String l : lines.subList(1, lines.size())) {
                rows.add(l.split(",", -1));
            }
            return new Csv(Arrays.asList(lines.get(0).split(",")), rows);
        }

        double num(int row, String col) {
            return Double.parseDouble(rows.get(row)[header.indexOf(col)]);
        }

        String text(int row, String col) {
            return rows.get(row)[header.indexOf(col)];
        }

        double[][] matrix(List<String> cols) {
            double[][] m = new double[rows.size()][cols.size()];
            for (int i = 0; i < m.length; i++) {
                for (int j = 0; j < cols.size(); j++) {
                    m[i][j] = num(i, cols.get(j));
                }
            }
            return m;
        }
    }

    private Cli.Result run(String... args) throws Exception {
        return Cli.subprocess(dir, args);
    }

    private static void ok(Cli.Result r) {
        assertThat(r.code()).as(r.toString()).isZero();
    }

    @Test
    void regressionWithStandardizationRoundTrip() throws Exception {
        // features on very different scales, two targets, an extra text column to ignore
        Random rng = new Random(3);
        StringBuilder sb = new StringBuilder("x1,note,x2,y1,y2\n");
        for (int i = 0; i < 200; i++) {
            double a = rng.nextDouble() * 10;
            double b = rng.nextDouble() * 100 - 50;
            sb.append(a).append(",n").append(i).append(',').append(b).append(',')
                    .append(Math.sin(a) + 0.02 * b).append(',').append(a * b / 50).append('\n');
        }
        Path data = dir.resolve("train.csv");
        Files.writeString(data, sb);
        // a triangle in raw coordinates, as a vertex CSV with a header
        Path region = dir.resolve("triangle.csv");
        Files.writeString(region, "x1,x2\n2,-10\n6,-10\n4,20\n");

        Path model = dir.resolve("model");
        Cli.Result t = run("train", "--data", "train.csv", "--target", "y1,y2", "--features", "x1,x2",
                "--region", "triangle.csv", "--task", "regression", "--hidden", "16,16", "--steps", "60",
                "--batch", "64", "--lr", "3e-3", "--standardize", "--schedule", "every:20,gamma:0.5",
                "--seed", "5", "--out", "model");
        ok(t);
        assertThat(t.out()).contains("trained 60 steps").contains("validation loss")
                .contains("CERTIFIED").contains("affine map on the region in raw coordinates");
        assertThat(model.resolve("loss.png")).isNotEmptyFile();
        JsonNode cert = JSON.readTree(model.resolve("certificate.json").toFile());
        assertThat(cert.get("certified").asBoolean()).isTrue();
        assertThat(cert.get("coordinates").asText()).isEqualTo("standardized");
        JsonNode meta = JSON.readTree(model.resolve("model.json").toFile()).get("metadata");
        assertThat(meta.get("task").asText()).isEqualTo("regression");
        assertThat(meta.get("standardizer").get("std")).hasSize(2);
        assertThat(meta.get("training").get("valRows").asInt()).isEqualTo(40);
        assertThat(meta.get("result").get("valLoss").asDouble()).isFinite();

        Cli.Result v = run("verify", "model");
        ok(v);
        assertThat(v.out()).contains("CERTIFIED: the network is affine on the region");

        Cli.Result info = run("info", "model");
        ok(info);
        assertThat(info.out()).contains("architecture: 2 -> 16 -> 16 -> 2, activation leaky_relu")
                .contains("region: 'triangle.csv'").contains("3 vertices in dimension 2")
                .contains("standardizer: mean").contains("CERTIFIED");

        // predict on a file with the columns in another order and an extra one
        StringBuilder q = new StringBuilder("extra,x2,x1\n");
        for (int i = 0; i < 50; i++) {
            q.append(i).append(',').append(rng.nextDouble() * 100 - 50).append(',').append(rng.nextDouble() * 10).append('\n');
        }
        Files.writeString(dir.resolve("query.csv"), q);
        Cli.Result p = run("predict", "model", "--data", "query.csv", "--out", "pred.csv", "--batch", "7");
        ok(p);
        // the fold copies weights without DJL's NDArray.set (PyTorch's deprecated-guard warning)
        assertThat(p.err()).doesNotContain("silent wrong result").doesNotContain("AutoNonVariableTypeMode");
        Csv pred = Csv.read(dir.resolve("pred.csv"));
        // every input column kept, in its order, then the predictions under their own names
        assertThat(pred.header()).containsExactly("extra", "x2", "x1", "predicted_y1", "predicted_y2");
        assertThat(pred.rows()).hasSize(50);
        assertThat(pred.text(7, "extra")).isEqualTo("7");
        // batch-invariant: the same bits whatever rows are read per step
        for (String batch : new String[] {"1", "4096"}) {
            ok(run("predict", "model", "--data", "query.csv", "--out", "pred" + batch + ".csv", "--batch", batch));
            assertThat(Files.readString(dir.resolve("pred" + batch + ".csv"))).isEqualTo(Files.readString(dir.resolve("pred.csv")));
        }

        Cli.Result e = run("export", "model", "--out", "exported");
        ok(e);
        assertThat(e.err()).doesNotContain("silent wrong result");
        Path exported = dir.resolve("exported");
        JsonNode map = JSON.readTree(exported.resolve("affine_map.json").toFile());
        assertThat(map.get("certified").asBoolean()).isTrue();
        assertThat(map.get("coordinates").asText()).isEqualTo("raw");
        assertThat(map.get("inputsStandardized").asBoolean()).isTrue();
        try (PlainDjl plain = new PlainDjl(exported)) {
            assertThat(plain.spec.get("inputsStandardized").asBoolean()).isTrue();
            samePredictions(plain, pred, List.of("x1", "x2"), List.of("predicted_y1", "predicted_y2"));
            followsAffineMap(plain, map);
        }
    }

    @Test
    void binaryClassificationWithEpochs() throws Exception {
        Random rng = new Random(11);
        StringBuilder sb = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 160; i++) {
            double a = rng.nextDouble() * 2 - 1;
            double b = rng.nextDouble() * 2 - 1;
            sb.append(a).append(',').append(b).append(',').append(a + b * b > 0.2 ? "yes" : "no").append('\n');
        }
        Files.writeString(dir.resolve("c.csv"), sb);
        Cli.Result t = run("train", "--data", "c.csv", "--target", "label", "--region", "l1ball:0.5,0.5,0.25",
                "--task", "classification", "--hidden", "12,12", "--epochs", "20", "--batch", "32",
                "--lr", "1e-2", "--activation", "relu", "--out", "m");
        ok(t);
        assertThat(t.out()).contains("trained 80 steps").contains("validation accuracy").contains("CERTIFIED");
        JsonNode meta = JSON.readTree(dir.resolve("m/model.json").toFile()).get("metadata");
        assertThat(meta.get("labels").toString()).isEqualTo("[\"no\",\"yes\"]");
        assertThat(meta.get("loss").asText()).isEqualTo("BCE_WITH_LOGITS");
        ok(run("verify", "m"));
        ok(run("predict", "m", "--data", "c.csv", "--out", "p.csv"));
        Csv pred = Csv.read(dir.resolve("p.csv"));
        assertThat(pred.header()).containsExactly("a", "b", "label", "predicted_label", "p_no", "p_yes");
        ok(run("export", "m", "--out", "x"));
        JsonNode map = JSON.readTree(dir.resolve("x/affine_map.json").toFile());
        try (PlainDjl plain = new PlainDjl(dir.resolve("x"))) {
            float[][] logits = plain.predictRaw(pred.matrix(List.of("a", "b")));
            for (int i = 0; i < logits.length; i++) {
                double pYes = 1 / (1 + Math.exp(-logits[i][0]));
                assertThat(pred.num(i, "p_yes")).isCloseTo(pYes, within(1e-6));
                assertThat(pred.num(i, "p_no")).isCloseTo(1 - pYes, within(1e-6));
                assertThat(pred.text(i, "predicted_label")).isEqualTo(logits[i][0] >= 0 ? "yes" : "no");
            }
            followsAffineMap(plain, map);
        }
    }

    /**
     * Activations with several kinks from the command line: ReLU6, hard-tanh and the general form,
     * trained and certified, verified, exported; the exported plain DJL network follows the affine
     * map on the region.
     */
    @Test
    void regressionWithActivationsOfSeveralKinks() throws Exception {
        Random rng = new Random(23);
        StringBuilder sb = new StringBuilder("a,b,y\n");
        for (int i = 0; i < 120; i++) {
            double a = rng.nextDouble() * 2 - 1;
            double b = rng.nextDouble() * 2 - 1;
            sb.append(a).append(',').append(b).append(',').append(Math.sin(3 * a) + b * b).append('\n');
        }
        Files.writeString(dir.resolve("r.csv"), sb);
        for (String activation : new String[] {"relu6", "hardtanh", "piecewise:-0.5,0.25,1:0.5,1,-0.25,2:-0.25"}) {
            String out = "m-" + activation.hashCode();
            Cli.Result t = run("train", "--data", "r.csv", "--target", "y", "--region", "simplex:2",
                    "--task", "regression", "--hidden", "8,8", "--steps", "30", "--activation", activation, "--out", out);
            ok(t);
            assertThat(t.out()).as(activation).contains("CERTIFIED");
            ok(run("verify", out));
            String x = "x-" + activation.hashCode();
            ok(run("export", out, "--out", x));
            JsonNode map = JSON.readTree(dir.resolve(x + "/affine_map.json").toFile());
            try (PlainDjl plain = new PlainDjl(dir.resolve(x))) {
                followsAffineMap(plain, map);
            }
        }
    }

    @Test
    void multiClassWithAbsActivation() throws Exception {
        Random rng = new Random(5);
        StringBuilder sb = new StringBuilder("u,v,w,kind\n");
        String[] kinds = {"cat", "dog", "eel"};
        for (int i = 0; i < 150; i++) {
            double u = rng.nextDouble();
            double v = rng.nextDouble();
            double w = rng.nextDouble();
            int k = u > v ? (u > w ? 0 : 2) : (v > w ? 1 : 2);
            sb.append(u).append(',').append(v).append(',').append(w).append(',').append(kinds[k]).append('\n');
        }
        Files.writeString(dir.resolve("k.csv"), sb);
        Cli.Result t = run("train", "--data", "k.csv", "--target", "kind", "--region", "simplex:3",
                "--task", "classification", "--hidden", "8,8", "--steps", "40", "--activation", "abs",
                "--val-fraction", "0", "--out", "m");
        ok(t);
        assertThat(t.out()).contains("validation loss n/a").contains("CERTIFIED");
        ok(run("predict", "m", "--data", "k.csv", "--out", "p.csv"));
        Csv pred = Csv.read(dir.resolve("p.csv"));
        assertThat(pred.header()).containsExactly("u", "v", "w", "kind", "predicted_label", "p_cat", "p_dog", "p_eel");
        ok(run("export", "m", "--out", "x"));
        JsonNode spec = JSON.readTree(dir.resolve("x/folded.json").toFile());
        assertThat(spec.get("layers").get(1).get("type").asText()).isEqualTo("Abs");
        try (PlainDjl plain = new PlainDjl(dir.resolve("x"))) {
            float[][] logits = plain.predictRaw(pred.matrix(List.of("u", "v", "w")));
            for (int i = 0; i < logits.length; i++) {
                double max = Math.max(logits[i][0], Math.max(logits[i][1], logits[i][2]));
                double[] e = new double[3];
                double sum = 0;
                int best = 0;
                for (int c = 0; c < 3; c++) {
                    e[c] = Math.exp(logits[i][c] - max);
                    sum += e[c];
                    if (logits[i][c] > logits[i][best]) {
                        best = c;
                    }
                }
                for (int c = 0; c < 3; c++) {
                    assertThat(pred.num(i, "p_" + kinds[c])).isCloseTo(e[c] / sum, within(1e-6));
                }
                assertThat(pred.text(i, "predicted_label")).isEqualTo(kinds[best]);
            }
            followsAffineMap(plain, JSON.readTree(dir.resolve("x/affine_map.json").toFile()));
        }
    }

    /** The plain DJL network reproduces predict's output column by column. */
    private static void samePredictions(PlainDjl plain, Csv pred, List<String> features, List<String> outputs) {
        float[][] y = plain.predictRaw(pred.matrix(features));
        for (int i = 0; i < y.length; i++) {
            for (int k = 0; k < outputs.size(); k++) {
                double expected = y[i][k];
                assertThat(pred.num(i, outputs.get(k))).isCloseTo(expected, within(1e-6 * Math.max(1, Math.abs(expected))));
            }
        }
    }

    /** Random convex combinations of the raw vertices follow y = A x + b (raw coordinates). */
    private static void followsAffineMap(PlainDjl plain, JsonNode map) {
        JsonNode vs = map.get("region").get("vertices");
        int p = vs.size();
        int d = vs.get(0).size();
        Random rng = new Random(1);
        double[][] x = new double[200 + p][d];
        for (int i = 0; i < x.length; i++) {
            double[] w = new double[p];
            if (i < p) {
                w[i] = 1; // the vertices themselves
            } else {
                double sum = 0;
                for (int q = 0; q < p; q++) {
                    w[q] = -Math.log(1 - rng.nextDouble());
                    sum += w[q];
                }
                for (int q = 0; q < p; q++) {
                    w[q] /= sum;
                }
            }
            for (int q = 0; q < p; q++) {
                for (int j = 0; j < d; j++) {
                    x[i][j] += w[q] * vs.get(q).get(j).asDouble();
                }
            }
        }
        float[][] y = plain.predictRaw(x);
        JsonNode a = map.get("A");
        JsonNode b = map.get("b");
        double scale = 1;
        for (float[] row : y) {
            for (float v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < b.size(); k++) {
                double affine = b.get(k).asDouble();
                for (int j = 0; j < d; j++) {
                    affine += a.get(k).get(j).asDouble() * x[i][j];
                }
                assertThat((double) y[i][k]).as("output %d at point %d", k, i).isCloseTo(affine, within(1e-4 * scale));
            }
        }
    }
}
