package org.police4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certify;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;

/**
 * Batch-invariant gradients: 90 rows in blocks of 16 (6 blocks, the last of 10). The blocks'
 * gradients are the same bits whether the batch is cut into pieces of whole blocks (as Spark's
 * partitions are) or not, their sum is the one-forward gradient to rounding, and 20 AdamW steps of
 * {@code Fit} with these blocks equal bit for bit 20 steps fed by pieces' blocks added in block
 * order, every step's network certified (the default HYSTERESIS rule: the held sides move with the
 * steps in both runs).
 */
class BlockGradientTest {

    static final int B = 16;

    /** The network of these tests, with the default sign rule (HYSTERESIS: sides held between steps). */
    static PolicedMlp network() {
        return PolicedMlp.builder().setRegion(Regions.paperTriangle()).setHidden(16, 16).setOutputs(1).build();
    }

    /** How a test sets up a loop for a fresh model. */
    @FunctionalInterface
    interface Setup {
        void apply(Fit fit, Model model, PolicedMlp block);
    }

    /** Trains a fresh network with the setup's loop; every step's network certified; the weights after. */
    static List<float[]> train(float[][] x, float[][] y, TrainingSettings s, Setup setup) {
        return train(x, y, s, BlockGradientTest::network, setup);
    }

    /** The same for the network {@code network} makes. */
    static List<float[]> train(
            float[][] x, float[][] y, TrainingSettings s, java.util.function.Supplier<PolicedMlp> network, Setup setup) {
        try (Model model = Model.newInstance("fit")) {
            PolicedMlp block = network.get();
            model.setBlock(block);
            NDManager m = model.getNDManager();
            int[] certified = {0};
            Fit fit = Fit.create().optListener((step, loss, b) -> {
                assertThat(Certify.policed(b).certified()).as("step %d", step).isTrue();
                certified[0]++;
            });
            setup.apply(fit, model, block);
            assertThat(fit.fit(model, m.create(x), m.create(y), s).losses()).hasSize(s.steps());
            assertThat(certified[0]).isEqualTo(s.steps());
            List<float[]> w = new ArrayList<>();
            for (Parameter p : block.getParameters().values()) {
                w.add(p.getArray().toFloatArray());
            }
            return w;
        }
    }

    /** The block gradient is the one-forward gradient (one shard of the whole batch) to rounding. */
    static void assertCloseToOneForward(PolicedMlp block, NDManager m, float[][] x, float[][] y, ShardGradient blocks) {
        ShardGradient full = ShardGradientTest.sum(block, m, x, y, ShardGradientTest.shards());
        double scale = ShardGradientTest.size(full);
        for (int p = 0; p < full.gradient().length; p++) {
            for (int j = 0; j < full.gradient()[p].length; j++) {
                assertThat(Math.abs(blocks.gradient()[p][j] - full.gradient()[p][j]))
                        .as("parameter %d entry %d", p, j).isLessThanOrEqualTo(1e-6 * scale);
            }
        }
    }

    /** The blocks of rows [from, to) of the batch, computed from a fresh array of just those rows. */
    static List<ShardGradient> piece(PolicedMlp block, NDManager m, float[][] x, float[][] y, int from, int to) {
        try (NDArray xs = m.create(Arrays.copyOfRange(x, from, to)); NDArray ys = m.create(Arrays.copyOfRange(y, from, to))) {
            return List.of(BlockGradient.ofBlocks(block, xs, ys, LossKind.MSE, from, x.length, B));
        }
    }

    /** The batch's gradient from pieces cut at the given rows (multiples of B), blocks added in order. */
    static ShardGradient pieces(PolicedMlp block, NDManager m, float[][] x, float[][] y, int... cuts) {
        List<ShardGradient> all = new ArrayList<>();
        int from = 0;
        for (int c : cuts) {
            all.addAll(piece(block, m, x, y, from, c));
            from = c;
        }
        all.addAll(piece(block, m, x, y, from, x.length));
        return BlockGradient.sum(all);
    }

    static void assertSameBits(ShardGradient a, ShardGradient b) {
        assertThat(a.loss()).isEqualTo(b.loss());
        for (int p = 0; p < a.gradient().length; p++) {
            assertThat(a.gradient()[p]).as("parameter %d", p).containsExactly(b.gradient()[p]);
        }
    }

    @Test
    void blocksGiveTheSameBitsHoweverTheBatchIsCut() {
        Random rnd = new Random(5);
        float[][] x = ShardGradientTest.inputs(rnd);
        float[][] y = ShardGradientTest.targets(x);
        try (Model model = Model.newInstance("blocks")) {
            PolicedMlp block = network();
            model.setBlock(block);
            Fit.initialize(block, model, 7);
            NDManager m = model.getNDManager();
            ShardGradient whole = BlockGradient.of(block, m.create(x), m.create(y), LossKind.MSE, B);
            assertSameBits(pieces(block, m, x, y, 32, 80), whole);
            assertSameBits(pieces(block, m, x, y, 16, 48, 64), whole);
            assertSameBits(pieces(block, m, x, y, 80), whole);
            assertCloseToOneForward(block, m, x, y, whole);
        }
    }

    @Test
    void twentyStepsFromBlocksOfPiecesEqualFitBitForBit() {
        Random rnd = new Random(6);
        float[][] x = ShardGradientTest.inputs(rnd);
        float[][] y = ShardGradientTest.targets(x);
        TrainingSettings settings = new TrainingSettings(20, 5e-3, 1e-4, 0, 1, LossKind.MSE, 0, 11);
        List<float[]> fit = train(x, y, settings, (f, model, block) -> f.optBlockRows(B));
        List<float[]> pieces = train(x, y, settings, (f, model, block) -> {
            Fit.initialize(block, model, settings.seed());
            f.optBlockRows(B).optGradients((step, b) -> pieces(b, model.getNDManager(), x, y, 32, 64));
        });
        for (int p = 0; p < fit.size(); p++) {
            assertThat(pieces.get(p)).as("parameter %d", p).containsExactly(fit.get(p));
        }
    }

    @Test
    void piecesNotMadeOfWholeBlocksAreRefused() {
        try (Model model = Model.newInstance("refuse")) {
            PolicedMlp block = network();
            model.setBlock(block);
            Fit.initialize(block, model, 7);
            NDManager m = model.getNDManager();
            NDArray x = m.create(new float[20][2]);
            NDArray y = m.create(new float[20][1]);
            assertThatThrownBy(() -> BlockGradient.ofBlocks(block, x, y, LossKind.MSE, 8, 90, B))
                    .hasMessageContaining("firstRow: 8").hasMessageContaining("multiple of blockRows = 16");
            assertThatThrownBy(() -> BlockGradient.ofBlocks(block, x, y, LossKind.MSE, 16, 90, B))
                    .hasMessageContaining("rows: 16 to 36 of 90");
        }
    }
}
