package org.police4j.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three steps of {@code train}: the data it prepares and the model.json it writes. */
class TrainingStepsTest {

    @TempDir Path dir;

    private TrainingData prepare(Path data, double valFraction, boolean standardize) throws Exception {
        TrainingData.Spec spec = new TrainingData.Spec(data, List.of("y"), null, Task.regression, "box:-2,2,2", false,
                null, valFraction, 5, standardize, true);
        return TrainingData.prepare(spec, new PrintWriter(new StringWriter()));
    }

    @Test
    void dataAreSplitIntoDisjointSeededPartsAndScaledOnTheTrainingRowsOnly() throws Exception {
        Path data = dir.resolve("d.csv");
        CommandErrorsTest.writeData(data, 50);
        TrainingData d = prepare(data, 0.2, true);
        assertThat(d.trainCount()).isEqualTo(40);
        assertThat(d.valCount()).isEqualTo(10);
        // every row once: the raw targets of both parts are the file's, none repeated
        Set<Float> seen = new HashSet<>();
        for (boolean train : new boolean[] {true, false}) {
            for (float[] y : d.targets(train, false)) {
                assertThat(seen.add(y[0])).isTrue();
            }
        }
        assertThat(seen).hasSize(50);
        // the same seed, the same split
        assertThat(prepare(data, 0.2, true).targets(false, false)).isDeepEqualTo(d.targets(false, false));
        // standardised on the training rows: mean 0, std 1 there (float32 rows)
        float[][] x = d.inputs(true);
        for (int j = 0; j < 2; j++) {
            double mean = 0;
            double sq = 0;
            for (float[] r : x) {
                mean += r[j] / x.length;
            }
            for (float[] r : x) {
                sq += (r[j] - mean) * (r[j] - mean) / x.length;
            }
            assertThat(mean).isCloseTo(0, offset(1e-6));
            assertThat(Math.sqrt(sq)).isCloseTo(1, offset(1e-5));
        }
        // --standardize-target: the fitted targets are (y - mean) / std of the training rows
        double[][] scale = d.targetScale();
        float[][] raw = d.targets(true, false);
        float[][] fit = d.targets(true, true);
        for (int i = 0; i < raw.length; i++) {
            assertThat((double) fit[i][0]).isCloseTo((raw[i][0] - scale[0][0]) / scale[1][0],
                    offset(1e-5));
        }
        // the copies handed out do not change the data
        d.targets(true, false)[0][0] = Float.NaN;
        assertThat(d.targets(true, false)[0][0]).isNotNaN();
    }

    @Test
    void modelJsonKeepsItsFieldsAndOrder() throws Exception {
        Path data = dir.resolve("d.csv");
        CommandErrorsTest.writeData(data, 40);
        Path scaled = dir.resolve("scaled");
        Cli.Result r = Cli.inProcess("train", "--data", Cli.path(data), "--target", "y", "--task", "regression",
                "--region", "box:-2,2,2", "--hidden", "4", "--epochs", "2", "--batch", "8", "--standardize-target",
                "--samples", "10", "--quiet", "--out", Cli.path(scaled));
        assertThat(r.code()).as(r.toString()).isZero();
        JsonNode meta = Json.MAPPER.readTree(scaled.resolve("model.json").toFile()).get("metadata");
        assertThat(fields(meta)).containsExactly("police4jVersion", "created", "status", "task", "features",
                "targets", "loss", "standardizer", "constraint", "regionSpec", "rawRegion", "targetStandardizer",
                "data", "training", "result");
        assertThat(meta.get("standardizer").isNull()).isTrue();
        assertThat(fields(meta.get("targetStandardizer"))).containsExactly("mean", "std", "note");
        assertThat(fields(meta.get("training"))).containsExactly("steps", "epochs", "stepsPerEpoch", "batch",
                "learningRate", "weightDecay", "scheduleEvery", "gamma", "optimizer", "seed", "valFraction",
                "trainRows", "valRows", "activation", "margin");
        assertThat(meta.get("training").get("steps").asInt()).isEqualTo(2 * 4);
        assertThat(fields(meta.get("result"))).containsExactly("stepsDone", "completed", "trainLoss", "valLoss",
                "seconds", "certified");

        Path base = dir.resolve("base");
        Cli.Result b = Cli.inProcess("train", "--data", Cli.path(data), "--target", "y", "--task", "regression",
                "--no-region", "--hidden", "4", "--steps", "3", "--val-fraction", "0", "--quiet", "--out",
                Cli.path(base));
        assertThat(b.code()).as(b.toString()).isZero();
        JsonNode plain = Json.MAPPER.readTree(base.resolve("model.json").toFile()).get("metadata");
        assertThat(fields(plain)).containsSubsequence("constraint", "constraintNote", "regionSpec")
                .doesNotContain("targetStandardizer", "labels");
        assertThat(fields(plain.get("training"))).doesNotContain("epochs");
        // no validation rows: the loss is written as null; no certificate: no "certified"
        assertThat(fields(plain.get("result"))).containsExactly("stepsDone", "completed", "trainLoss", "valLoss",
                "seconds");
        assertThat(plain.get("result").get("valLoss").isNull()).isTrue();
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
