package org.police4j.conv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.io.ModelIo;
import org.police4j.network.DjlExport;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.testing.InputRegions;

/**
 * Kernels, strides, paddings and pool windows that differ per axis, built with the {@link
 * PolicedConvNet.Builder}: a network whose maps do not divide into the pool windows trains, folds
 * into the same function and certifies exactly; square stages keep the text saved models have.
 */
class RectangularConvTest {

    static final int H = 5;
    static final int W = 9;
    static final int D = H * W;

    /** Conv (2, 3) stride (1, 2) padding (1, 0) -> (6, 4), batch-norm, pool (2, 1) -> (3, 4); conv (1, 2) stride (1, 1) -> (3, 3). */
    static PolicedConvNet net(VertexRegion region) {
        return PolicedConvNet.builder()
                .setInput(1, H, W)
                .conv(3, 2, 3, 1, 2, 1, 0)
                .batchNorm()
                .maxPool(2, 1, 2, 1)
                .conv(4, 1, 2, 1, 1, 0, 0)
                .flatten()
                .dense(8)
                .outputs(2)
                .setRegion(region)
                .build();
    }

    static float[] images(int n, long seed) {
        return InputRegions.grid64(n, D, seed);
    }

    /** Image 0 with pixels 12 and 31 moved by +-1/4. */
    static VertexRegion region(float[] x) {
        return InputRegions.cross(x, D, "2-pixel l1 ball r=0.25", 12, 31);
    }

    @Test
    void trainsFoldsAndCertifiesWithPerAxisGeometry(@TempDir Path dir) throws Exception {
        int n = 32;
        float[] data = images(n, 5);
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            float top = 0;
            for (int p = 0; p < D; p++) {
                top += (p / W < H / 2 ? 1 : -1) * data[i * D + p];
            }
            labels[i] = top > 0 ? 1 : 0;
        }
        VertexRegion region = region(data);
        PolicedConvNet net = net(region);
        try (Model model = Model.newInstance("rectangular")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed(4);
            model.setBlock(net);
            NDArray x = manager.create(data, new Shape(n, 1, H, W));
            NDArray y = manager.create(labels);
            Loss loss = Loss.softmaxCrossEntropyLoss();
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.01f)).build();
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(adam))) {
                trainer.initialize(new Shape(1, 1, H, W));
                for (int step = 0; step < 15; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                        gc.backward(loss.evaluate(new NDList(y), new NDList(out)));
                    }
                    trainer.step();
                }
            }
            FoldedNetwork folded = net.fold();
            Layer.Conv first = (Layer.Conv) folded.layers().get(0);
            assertThat(new int[] {first.kernelH(), first.kernelW(), first.strideH(), first.strideW(), first.padH(),
                first.padW(), first.outH(), first.outW()}).containsExactly(2, 3, 1, 2, 1, 0, 6, 4);
            Layer.MaxPool pool = (Layer.MaxPool) folded.layers().get(1);
            assertThat(new int[] {pool.kernelH(), pool.kernelW(), pool.outH(), pool.outW()}).containsExactly(2, 1, 3, 4);
            double[][] interior = new double[3][];
            for (int k = 0; k < interior.length; k++) {
                interior[k] = new double[D];
                for (int p = 0; p < D; p++) {
                    interior[k][p] = (region.vertices()[k][p] + region.vertices()[k + 1][p]) / 2;
                }
            }
            Certificate cert = Certifier.certify(folded, region.vertices(), interior);
            assertThat(cert.certified()).as(cert.summary()).isTrue();
            ParameterStore ps = new ParameterStore(manager, false);
            for (double[] point : interior) {
                float[] f = new float[D];
                for (int p = 0; p < D; p++) {
                    f[p] = (float) point[p];
                }
                float[] out = net.forward(ps, new NDList(manager.create(f, new Shape(1, D))), false).head().toFloatArray();
                double[] affine = cert.apply(point);
                for (int k = 0; k < affine.length; k++) {
                    assertThat(Math.abs(out[k] - affine[k])).as("output %d", k).isLessThan(1e-4);
                }
            }
            // the exported DJL block (per-axis strides and paddings, (2, 1) pool) is the network
            float[] exported = DjlExport.block(folded, manager).forward(ps, new NDList(x.reshape(n, D)), false)
                    .head().toFloatArray();
            float[] trained = net.forward(ps, new NDList(x), false).head().toFloatArray();
            for (int i = 0; i < trained.length; i++) {
                assertThat((double) exported[i]).as("output %d", i)
                        .isCloseTo(trained[i], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(trained[i]))));
            }
            // model.json writes per-axis fields as [rows, columns]; the network loads back bit for bit
            ModelIo.save(net, dir.resolve("m"), null);
            JsonNode stages = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("m").resolve(ModelIo.MODEL_JSON).toFile())
                    .path("architecture").path("stages");
            assertThat(stages.get(0).path("kernel").toString()).isEqualTo("[2,3]");
            assertThat(stages.get(2).path("kernel").toString()).isEqualTo("[2,1]");
            PolicedConvNet loaded = ModelIo.load(dir.resolve("m"), manager).convNet();
            assertThat(loaded.stages()).isEqualTo(net.stages());
            assertThat(loaded.forward(ps, new NDList(x), false).head().toFloatArray())
                    .isEqualTo(net.forward(ps, new NDList(x), false).head().toFloatArray());
        }
    }

    /** Saved models name their stages by this text: a square one must keep it. */
    @Test
    void squareStagesKeepTheirSavedTextAndOthersNameEveryAxis() {
        assertThat(new Stage.Conv(8, 3, 1, 1).toString()).isEqualTo("Conv[channels=8, kernel=3, stride=1, padding=1]");
        assertThat(new Stage.Conv(8, 3, 3, 1, 1, 1, 1)).isEqualTo(new Stage.Conv(8, 3, 1, 1));
        assertThat(new Stage.MaxPool(2, 2).toString()).isEqualTo("MaxPool[kernel=2, stride=2]");
        assertThat(new Stage.Conv(8, 1, 3, 1, 2, 0, 1).toString())
                .isEqualTo("Conv[channels=8, kernel=(1, 3), stride=(1, 2), padding=(0, 1)]");
        assertThat(new Stage.MaxPool(1, 2, 1, 2).toString()).isEqualTo("MaxPool[kernel=(1, 2), stride=(1, 2)]");
        assertThatThrownBy(() -> new Stage.Conv(8, 1, 3, 1, 2, 0, 1).kernel()).hasMessageContaining("not square");
    }

    @Test
    void refusesOverpaddedAndOversizedRectangularWindows() {
        PolicedConvNet.Builder b = PolicedConvNet.builder().setInput(1, 3, 8).setRegion(Regions.l1Ball(new double[24], 1.0));
        assertThatThrownBy(() -> b.conv(2, 1, 3, 1, 1, 0, 0).maxPool(1, 2, 1, 1, 1, 1))
                .hasMessageContaining("padding (1, 1) for kernel (1, 2)");
        assertThatThrownBy(() -> PolicedConvNet.builder().setInput(1, 3, 8).setRegion(Regions.l1Ball(new double[24], 1.0))
                        .conv(2, 4, 1, 1, 1, 0, 0).flatten().outputs(1).build())
                .hasMessageContaining("stage 0 (conv): kernel (4, 1) larger than the padded map (3, 8)");
        assertThatThrownBy(() -> PolicedConvNet.builder().setInput(1, 3, 8).setRegion(Regions.l1Ball(new double[24], 1.0))
                        .conv(2, 1, 3, 1, 1, 0, 1).maxPool(4, 1, 4, 1).flatten().outputs(1).build())
                .hasMessageContaining("stage 1 (maxPool): window (4, 1) larger than the map (3, 8)");
        assertThatThrownBy(() -> new Stage.MaxPool(1, 65, 1, 65)).hasMessageContaining("too large");
        assertThatThrownBy(() -> new Stage.Conv(2, 1, 3, 1, 0, 0, 1)).hasMessageContaining("stride=(1, 0)");
    }
}
