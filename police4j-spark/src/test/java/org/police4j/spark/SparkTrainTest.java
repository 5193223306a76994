package org.police4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certify;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;
import org.police4j.train.BlockGradient;
import org.police4j.train.Fit;
import org.police4j.train.Gradients;
import org.police4j.train.LossKind;
import org.police4j.train.ShardGradient;
import org.police4j.train.TrainingSettings;

/**
 * Data-parallel training on Spark: 400 rows in gradient blocks of 64 (7 blocks, the last of 16
 * rows) on 4 partitions. At each of 20 steps the aggregated gradient is bit for bit the one-JVM
 * block gradient (and within 1e-6 of its largest entry of the one-forward gradient), every step's
 * network is certified, and the weights after the last step equal one-JVM full-batch training's
 * bit for bit; {@code police4j-spark train} writes a model directory that {@code police4j verify}
 * certifies.
 */
class SparkTrainTest {

    @TempDir Path tmp;

    @Test
    void twentyStepsOnFourPartitionsFollowFullBatchTraining() {
        trainAndCompare(Fixtures.spark(), 20);
    }

    /**
     * Trains {@code steps} full-batch steps in this JVM and on the session's executors (4
     * partitions), checking the aggregated gradient at every step and every step's certificate.
     */
    static void trainAndCompare(org.apache.spark.sql.SparkSession session, int steps) {
        int blockRows = 64;
        Random rnd = new Random(8);
        int n = 400;
        float[][] x = new float[n][2];
        float[][] y = new float[n][1];
        for (int i = 0; i < n; i++) {
            x[i][0] = (float) (rnd.nextDouble() * 2 - 0.5);
            x[i][1] = (float) (rnd.nextDouble() * 2 - 0.5);
            y[i][0] = (float) (Math.sin(3 * x[i][0]) + x[i][1] * x[i][1]);
        }
        TrainingSettings settings = new TrainingSettings(steps, 5e-3, 1e-4, 0, 1, LossKind.MSE, 0, 11);
        List<float[]> local = train(null, x, y, settings, blockRows);
        List<float[]> spark = train(session, x, y, settings, blockRows);
        double worstEntry = 0;
        for (int p = 0; p < local.size(); p++) {
            for (int j = 0; j < local.get(p).length; j++) {
                double d = local.get(p)[j] - spark.get(p)[j];
                worstEntry = Math.max(worstEntry, Math.abs(d) / Math.max(1e-30, Math.abs(local.get(p)[j])));
            }
            // batch-invariant gradients (the same blocks, added in the same order): the same bits
            assertThat(spark.get(p)).as("parameter %d", p).containsExactly(local.get(p));
        }
        System.out.println("SparkTrainTest: largest relative difference of an entry after " + steps + " steps: " + worstEntry);
    }

    /** Trains in this JVM (session null) or with the session's gradients; every step certified. */
    private static List<float[]> train(org.apache.spark.sql.SparkSession session, float[][] x, float[][] y,
            TrainingSettings s, int blockRows) {
        try (Model model = Model.newInstance("fit")) {
            PolicedMlp block = PolicedMlp.builder().setRegion(Regions.paperTriangle()).setHidden(16, 16).setOutputs(1).build();
            model.setBlock(block);
            NDManager m = model.getNDManager();
            NDArray xs = m.create(x);
            NDArray ys = m.create(y);
            int[] certified = {0};
            Fit fit = Fit.create().optBlockRows(blockRows).optListener((step, loss, b) -> {
                assertThat(Certify.policed(b).certified()).as("step %d", step).isTrue();
                certified[0]++;
            });
            if (session != null) {
                Fit.initialize(block, model, s.seed());
                Gradients spark = new SparkGradients(session, 4, blockRows).open(block, xs, ys, LossKind.MSE);
                fit.optGradients((step, b) -> {
                    ShardGradient sum = spark.compute(step, b);
                    ShardGradient blocks = BlockGradient.of(b, xs, ys, LossKind.MSE, blockRows);
                    assertThat(sum.loss()).as("step %d loss", step).isEqualTo(blocks.loss());
                    for (int p = 0; p < blocks.gradient().length; p++) {
                        assertThat(sum.gradient()[p]).as("step %d parameter %d", step, p).containsExactly(blocks.gradient()[p]);
                    }
                    ShardGradient full = ShardGradient.of(b, xs, ys, LossKind.MSE, x.length);
                    double scale = 0;
                    for (double[] g : full.gradient()) {
                        for (double v : g) {
                            scale = Math.max(scale, Math.abs(v));
                        }
                    }
                    for (int p = 0; p < full.gradient().length; p++) {
                        for (int j = 0; j < full.gradient()[p].length; j++) {
                            assertThat(Math.abs(sum.gradient()[p][j] - full.gradient()[p][j]))
                                    .as("step %d parameter %d entry %d", step, p, j).isLessThanOrEqualTo(1e-6 * scale);
                        }
                    }
                    return sum;
                });
            }
            fit.fit(model, xs, ys, s);
            assertThat(certified[0]).isEqualTo(s.steps());
            List<float[]> w = new ArrayList<>();
            for (Parameter p : block.getParameters().values()) {
                w.add(p.getArray().toFloatArray());
            }
            return w;
        }
    }

    @Test
    void theCommandWritesACertifiedModelDirectory() throws Exception {
        Path d = Fixtures.dir();
        Path out = tmp.resolve("model");
        Fixtures.Run run = Fixtures.spark("train", "--data", d.resolve("train.csv").toString(), "--target", "y1,y2",
                "--features", "x1,x2,x3", "--region", "box:-1,1,3", "--task", "regression", "--hidden", "16,16",
                "--steps", "8", "--batch", "0", "--standardize", "--seed", "5", "--quiet", "--partitions", "3",
                "--out", out.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("trained 8 steps").contains("CERTIFIED");
        assertThat(new ObjectMapper().readTree(out.resolve("certificate.json").toFile()).get("certified").asBoolean()).isTrue();
        Fixtures.cli(tmp, "verify", out.toString());
    }
}
