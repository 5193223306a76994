package org.police4j.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.nn.PolicedNetwork;
import org.police4j.nn.PolicedMlp;

/** {@code train --no-region} (an unconstrained baseline) and {@code --standardize-target}. */
class BaselineAndTargetScaleTest {

    @TempDir Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void noRegionTrainsThePlainNetworkAndIsLabelled() throws Exception {
        Path data = dir.resolve("d.csv");
        CommandErrorsTest.writeData(data, 60);
        Path model = dir.resolve("base");
        Cli.Result t = Cli.inProcess("train", "--data", Cli.path(data), "--target", "y", "--task", "regression",
                "--no-region", "--hidden", "8,8", "--steps", "30", "--standardize", "--quiet", "--out", Cli.path(model));
        assertThat(t.code()).as(t.toString()).isZero();
        assertThat(t.out()).contains("no certificate: unconstrained baseline (--no-region)");
        assertThat(model.resolve("certificate.json")).doesNotExist();
        JsonNode meta = JSON.readTree(model.resolve("model.json").toFile()).get("metadata");
        assertThat(meta.get("constraint").asText()).isEqualTo("none");
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block = StoredModel.load(model, manager).block();
            NDArray x = manager.randomNormal(new ai.djl.ndarray.types.Shape(16, 2));
            PolicedNetwork.Trace trace = block.forwardWithTrace(new ParameterStore(manager, false), x, false);
            // no shift anywhere: exactly the plain network
            for (NDArray c : trace.shifts()) {
                assertThat(c.abs().max().getFloat()).isZero();
            }
        }
        Cli.Result info = Cli.inProcess("info", Cli.path(model));
        assertThat(info.out()).contains("UNCONSTRAINED BASELINE").contains("certificate: none (unconstrained baseline)");
        Cli.Result verify = Cli.inProcess("verify", Cli.path(model));
        assertThat(verify.code()).isEqualTo(2);
        assertThat(verify.err()).contains("unconstrained baseline (trained with --no-region)");
        Cli.Result exported = Cli.inProcess("export", Cli.path(model), "--out", Cli.path(dir.resolve("x")));
        assertThat(exported.code()).as(exported.toString()).isZero();
        assertThat(dir.resolve("x/affine_map.json")).doesNotExist();
        Cli.Result both = Cli.inProcess("train", "--data", Cli.path(data), "--target", "y", "--task", "regression",
                "--no-region", "--region", "box:-1,1,2", "--out", Cli.path(dir.resolve("no")));
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("give one of them, not both");
        Cli.Result neither = Cli.inProcess("train", "--data", Cli.path(data), "--target", "y", "--task", "regression",
                "--out", Cli.path(dir.resolve("no")));
        assertThat(neither.code()).isEqualTo(2);
        assertThat(neither.err()).contains("--region is missing").contains("--no-region");
        assertThat(dir.resolve("no")).doesNotExist();
    }

    @Test
    void standardizedTargetsAreUndoneInPredictionsAndTheMap() throws Exception {
        Random rng = new Random(4);
        StringBuilder sb = new StringBuilder("a,b,price\n");
        double sum = 0;
        int n = 80;
        for (int i = 0; i < n; i++) {
            double a = rng.nextDouble() * 2 - 1;
            double b = rng.nextDouble() * 2 - 1;
            double y = 5000 + 800 * a - 300 * b;
            sum += y;
            sb.append(a).append(',').append(b).append(',').append(y).append('\n');
        }
        Path data = dir.resolve("p.csv");
        Files.writeString(data, sb);
        Path model = dir.resolve("m");
        Cli.Result t = Cli.inProcess("train", "--data", Cli.path(data), "--target", "price", "--task", "regression",
                "--region", "box:-1,1,2", "--hidden", "16,16", "--steps", "300", "--lr", "1e-2", "--standardize-target",
                "--quiet", "--out", Cli.path(model));
        assertThat(t.code()).as(t.toString()).isZero();
        JsonNode meta = JSON.readTree(model.resolve("model.json").toFile()).get("metadata");
        assertThat(meta.get("targetStandardizer").get("mean").get(0).asDouble()).isBetween(4800.0, 5200.0);
        // the reported loss is in price units (squared): far above a standardised loss, far below the variance
        double trainLoss = meta.get("result").get("trainLoss").asDouble();
        assertThat(trainLoss).isLessThan(0.05 * 800 * 800);
        Path out = dir.resolve("pred.csv");
        Cli.Result p = Cli.inProcess("predict", Cli.path(model), "--data", Cli.path(data), "--out", Cli.path(out));
        assertThat(p.code()).as(p.toString()).isZero();
        List<String> lines = Files.readAllLines(out);
        double predSum = 0;
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            predSum += Double.parseDouble(f[f.length - 1]);
        }
        assertThat(predSum / n).isCloseTo(sum / n, org.assertj.core.api.Assertions.within(100.0));
        // the certified map is in price units too: its constant is near 5000 at the box's centre
        JsonNode cert = JSON.readTree(model.resolve("certificate.json").toFile());
        assertThat(cert.get("b").get(0).asDouble()).isBetween(4500.0, 5500.0);
        Cli.Result cls = Cli.inProcess("train", "--data", Cli.path(data), "--target", "price", "--task",
                "classification", "--region", "box:-1,1,2", "--standardize-target", "--out", Cli.path(dir.resolve("c")));
        assertThat(cls.code()).isEqualTo(2);
        assertThat(cls.err()).contains("--standardize-target: only for --task regression");
    }
}
