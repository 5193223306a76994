package org.police4j.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-feature regions on 13 features (2^13 box corners: certified through the support, not the
 * vertices), in raw units with --standardize, through train, verify, info, predict and export.
 */
class HighDimensionalRegionTest {

    static final int D = 13;

    @TempDir static Path dir;
    static Path data;
    static List<String> features = new ArrayList<>();

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void data() throws IOException {
        Random rng = new Random(9);
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < D; j++) {
            features.add("f" + j);
            sb.append("f").append(j).append(',');
        }
        sb.append("id,y\n");
        for (int i = 0; i < 150; i++) {
            double y = 0;
            for (int j = 0; j < D; j++) {
                // features on very different scales, as in real tables
                double v = rng.nextGaussian() * Math.pow(10, j % 4) + j;
                y += Math.sin(v / Math.pow(10, j % 4));
                sb.append(v).append(',');
            }
            sb.append("row").append(i).append(',').append(y).append('\n');
        }
        data = dir.resolve("wide.csv");
        Files.writeString(data, sb);
    }

    private static Cli.Result train(String region, String out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", Cli.path(data), "--target", "y",
                "--features", String.join(",", features), "--task", "regression", "--region", region,
                "--hidden", "16,16", "--steps", "40", "--standardize", "--quiet", "--samples", "200",
                "--out", Cli.path(dir.resolve(out))));
        args.addAll(List.of(extra));
        return Cli.inProcess(args.toArray(new String[0]));
    }

    @Test
    void quantileBoxTrainsCertifiesAndEveryCommandReadsIt() throws IOException {
        Cli.Result t = train("box-quantiles:0.05,0.95", "q");
        assertThat(t.code()).as(t.toString()).isZero();
        assertThat(t.out()).contains("CERTIFIED");
        assertThat(t.err()).doesNotContain("affine dimension");
        Path model = dir.resolve("q");
        JsonNode raw = JSON.readTree(model.resolve("model.json").toFile()).get("metadata").get("rawRegion");
        assertThat(raw.get("radii")).hasSize(D);
        Cli.Result v = Cli.inProcess("verify", Cli.path(model));
        assertThat(v.code()).as(v.toString()).isZero();
        assertThat(v.out()).contains("box in 13-D");
        Cli.Result i = Cli.inProcess("info", Cli.path(model));
        assertThat(i.code()).as(i.toString()).isZero();
        assertThat(i.out()).contains("region: 'box-quantiles:0.05,0.95'").contains("full-dimensional");
        Cli.Result p = Cli.inProcess("predict", Cli.path(model), "--data", Cli.path(data), "--out",
                Cli.path(dir.resolve("q.csv")), "--keep", "id");
        assertThat(p.code()).as(p.toString()).isZero();
        Cli.Result e = Cli.inProcess("export", Cli.path(model), "--out", Cli.path(dir.resolve("qx")));
        assertThat(e.code()).as(e.toString()).isZero();
        JsonNode map = JSON.readTree(dir.resolve("qx/affine_map.json").toFile());
        assertThat(map.get("certified").asBoolean()).isTrue();
        assertThat(map.get("A").get(0)).hasSize(D);
        assertThat(map.get("region").get("radii")).hasSize(D);
    }

    @Test
    void boxFromRowsAroundAPointAndAZonotope() throws IOException {
        // header in another order than the features: matched by name
        List<String> shuffled = new ArrayList<>(features);
        java.util.Collections.reverse(shuffled);
        StringBuilder rows = new StringBuilder(String.join(",", shuffled)).append('\n');
        StringBuilder around = new StringBuilder(String.join(",", shuffled)).append('\n');
        StringBuilder zono = new StringBuilder(String.join(",", shuffled)).append('\n');
        for (String[] r : new String[][] {{"lo", "-1"}, {"hi", "1"}}) {
            List<String> cells = new ArrayList<>();
            for (String f : shuffled) {
                int j = Integer.parseInt(f.substring(1));
                cells.add(String.valueOf(j + Double.parseDouble(r[1]) * Math.pow(10, j % 4)));
            }
            rows.append(String.join(",", cells)).append('\n');
        }
        List<String> centre = new ArrayList<>();
        List<String> radius = new ArrayList<>();
        for (String f : shuffled) {
            int j = Integer.parseInt(f.substring(1));
            centre.add(String.valueOf((double) j));
            radius.add(String.valueOf(0.5 * Math.pow(10, j % 4)));
        }
        around.append(String.join(",", centre)).append('\n').append(String.join(",", radius)).append('\n');
        zono.append(String.join(",", centre)).append('\n');
        Random rng = new Random(1);
        for (int k = 0; k < 20; k++) {
            List<String> g = new ArrayList<>();
            for (String f : shuffled) {
                int j = Integer.parseInt(f.substring(1));
                g.add(String.valueOf(rng.nextGaussian() * 0.1 * Math.pow(10, j % 4)));
            }
            zono.append(String.join(",", g)).append('\n');
        }
        Files.writeString(dir.resolve("rows.csv"), rows);
        Files.writeString(dir.resolve("around.csv"), around);
        Files.writeString(dir.resolve("zono.csv"), zono);
        for (String[] c : new String[][] {{"box-rows:" + dir.resolve("rows.csv"), "r"},
                {"box-around:" + dir.resolve("around.csv"), "a"}, {"zonotope:" + dir.resolve("zono.csv"), "z"}}) {
            Cli.Result t = train(c[0], c[1]);
            assertThat(t.code()).as(t.toString()).isZero();
            assertThat(t.out()).as(c[0]).contains("CERTIFIED");
            assertThat(Cli.inProcess("verify", Cli.path(dir.resolve(c[1]))).code()).as(c[0]).isZero();
        }
        // a box with one zero-width feature is lower-dimensional: said so
        Files.writeString(dir.resolve("flat.csv"), around.toString().replaceFirst("\n([^,\n]+),", "\n$1,")
                .replace(String.join(",", radius), "0," + String.join(",", radius.subList(1, radius.size()))));
        Cli.Result flat = train("box-around:" + dir.resolve("flat.csv"), "flat");
        assertThat(flat.code()).as(flat.toString()).isZero();
        assertThat(flat.err()).contains("has affine dimension 12 but the data has 13 features");
    }

    @Test
    void badSupportRegionsAreClearErrors() throws IOException {
        Files.writeString(dir.resolve("short.csv"), "f0,f1\n0,0\n1,1\n");
        Cli.Result r = train("box-rows:" + dir.resolve("short.csv"), "bad1");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("lacks the feature columns f2, f3");
        assertThat(dir.resolve("bad1")).doesNotExist();
        Cli.Result q = train("box-quantiles:0.9,0.1", "bad2");
        assertThat(q.code()).isEqualTo(2);
        assertThat(q.err()).contains("expected box-quantiles:QLO,QHI with 0 <= QLO < QHI <= 1");
        Cli.Result m = train("box-quantiles:0.05,0.95", "bad3", "--sign-rule", "MAJORITY");
        assertThat(m.code()).isEqualTo(2);
        assertThat(m.err()).contains("--sign-rule MAJORITY counts vertices");
        assertThat(dir.resolve("bad3")).doesNotExist();
    }
}
