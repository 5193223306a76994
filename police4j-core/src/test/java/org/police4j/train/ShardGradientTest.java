package org.police4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.engine.SignRule;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;

/**
 * Data-parallel gradients: the shards' gradients, each of its loss scaled by n_k / N, add up to
 * the full batch's (2, 3 and 8 uneven shards), at the start and at every step of 20 full-batch
 * AdamW steps; taking the gradient from elsewhere ({@link Fit#optGradients}) as one shard gives
 * Fit's own weights bit for bit, and 20 steps from four shards stay within 1e-3 (relative, per
 * parameter) of them; every step's folded network is certified on the region.
 */
class ShardGradientTest {

    static final int N = 90;

    static float[][] inputs(Random rnd) {
        float[][] x = new float[N][2];
        for (float[] r : x) {
            r[0] = (float) (rnd.nextDouble() * 2 - 0.5);
            r[1] = (float) (rnd.nextDouble() * 2 - 0.5);
        }
        return x;
    }

    static float[][] targets(float[][] x) {
        float[][] y = new float[x.length][1];
        for (int i = 0; i < x.length; i++) {
            y[i][0] = (float) (Math.sin(3 * x[i][0]) + x[i][1] * x[i][1]);
        }
        return y;
    }

    static PolicedMlp network() {
        // CENTER, the rule these bounds were measured under (a stateless rule: the shards' and the
        // full batch's forwards decide the same sides from the same weights)
        return PolicedMlp.builder().setRegion(Regions.paperTriangle()).setHidden(16, 16).setOutputs(1)
                .optSignRule(SignRule.CENTER).build();
    }

    /** Cuts [0, N) at the given points. */
    static List<int[]> shards(int... cuts) {
        List<int[]> out = new ArrayList<>();
        int from = 0;
        for (int c : cuts) {
            out.add(new int[] {from, c});
            from = c;
        }
        out.add(new int[] {from, N});
        return out;
    }

    static ShardGradient sum(PolicedMlp block, NDManager m, float[][] x, float[][] y, List<int[]> shards) {
        ShardGradient total = null;
        for (int[] s : shards) {
            ShardGradient g = ShardGradient.of(block, m.create(java.util.Arrays.copyOfRange(x, s[0], s[1])),
                    m.create(java.util.Arrays.copyOfRange(y, s[0], s[1])), LossKind.MSE, N);
            total = total == null ? g : total.plus(g);
        }
        return total;
    }

    /** The largest entry of a gradient, all parameters together: its scale. */
    static double size(ShardGradient g) {
        double scale = 0;
        for (double[] p : g.gradient()) {
            for (double v : p) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        return scale;
    }

    @Test
    void shardsAddUpToTheFullBatchGradient() {
        Random rnd = new Random(5);
        float[][] x = inputs(rnd);
        float[][] y = targets(x);
        try (Model model = Model.newInstance("shards")) {
            PolicedMlp block = network();
            model.setBlock(block);
            Fit.initialize(block, model, 7);
            NDManager m = model.getNDManager();
            ShardGradient full = sum(block, m, x, y, shards());
            for (List<int[]> split : List.of(shards(45), shards(10, 70), shards(3, 9, 20, 33, 50, 61, 80))) {
                ShardGradient parts = sum(block, m, x, y, split);
                assertThat(parts.loss()).isCloseTo(full.loss(), org.assertj.core.data.Offset.offset(1e-6 * full.loss()));
                double scale = size(full);
                for (int p = 0; p < full.gradient().length; p++) {
                    for (int j = 0; j < full.gradient()[p].length; j++) {
                        assertThat(Math.abs(parts.gradient()[p][j] - full.gradient()[p][j]))
                                .as("parameter %d entry %d, %d shards", p, j, split.size())
                                .isLessThanOrEqualTo(1e-6 * scale);
                    }
                }
            }
        }
    }

    @Test
    void twentyStepsFromShardGradientsFollowFullBatchTraining() {
        Random rnd = new Random(6);
        float[][] x = inputs(rnd);
        float[][] y = targets(x);
        TrainingSettings settings = new TrainingSettings(20, 5e-3, 1e-4, 0, 1, LossKind.MSE, 0, 11);
        List<float[]> fitOwn = train(x, y, settings, null, false);
        // the full batch as one shard reproduces Fit's own steps bit for bit, and at every one of
        // its steps the four shards' sum is checked against it (the data-parallel property)
        List<float[]> reference = train(x, y, settings, shards(), true);
        List<float[]> sharded = train(x, y, settings, shards(20, 45, 70), false);
        for (int p = 0; p < reference.size(); p++) {
            assertThat(reference.get(p)).isEqualTo(fitOwn.get(p));
            double num = 0;
            double den = 0;
            for (int j = 0; j < reference.get(p).length; j++) {
                double d = reference.get(p)[j] - sharded.get(p)[j];
                num += d * d;
                den += (double) reference.get(p)[j] * reference.get(p)[j];
            }
            // not entry by entry: AdamW divides by the gradient's own size, so an entry whose
            // gradient is rounding noise (a shifted unit's bias, whose data and shift terms cancel
            // in real arithmetic) takes steps of about lr in either run, and the difference spreads
            assertThat(Math.sqrt(num / Math.max(den, 1e-30))).as("parameter %d", p).isLessThanOrEqualTo(1e-3);
        }
    }

    /** Trains 20 steps (full batch, or from the shards' summed gradients); every step certified. */
    private static List<float[]> train(float[][] x, float[][] y, TrainingSettings s, List<int[]> shards, boolean checkShards) {
        assertThat(s.steps()).isEqualTo(20);
        return BlockGradientTest.train(x, y, s, ShardGradientTest::network, (fit, model, block) -> {
            if (shards == null) {
                return;
            }
            NDManager m = model.getNDManager();
            fit.optGradients((step, b) -> {
                ShardGradient g = sum(b, m, x, y, shards);
                if (checkShards) {
                    ShardGradient four = sum(b, m, x, y, shards(20, 45, 70));
                    double scale = size(g);
                    for (int p = 0; p < g.gradient().length; p++) {
                        for (int j = 0; j < g.gradient()[p].length; j++) {
                            assertThat(Math.abs(four.gradient()[p][j] - g.gradient()[p][j]))
                                    .as("step %d parameter %d entry %d", step, p, j).isLessThanOrEqualTo(1e-6 * scale);
                        }
                    }
                }
                return g;
            });
        });
    }
}
