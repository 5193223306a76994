package org.police4j.conv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.police4j.network.DenseForm;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.io.ModelIo;
import org.police4j.engine.Cpa;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;

class ConvRefusalsTest {

    static final VertexRegion BOX36 = Regions.l1Ball(new double[36], 1.0);

    static PolicedConvNet.Builder base() {
        return PolicedConvNet.builder().setInput(1, 6, 6).setRegion(BOX36);
    }

    @Test
    void maxPoolWithAbsIsRefused() {
        assertThatThrownBy(() -> base().optActivation(Cpa.abs()).conv(2, 3).maxPool(2, 2).flatten().outputs(1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max-pooling needs a non-decreasing activation")
                .hasMessageContaining("abs");
        assertThatThrownBy(() -> base().optActivation(Cpa.leakyRelu(-0.5)).conv(2, 3).maxPool(2, 2).flatten().outputs(1).build())
                .hasMessageContaining("non-decreasing");
        // abs without max-pool is fine
        base().optActivation(Cpa.abs()).conv(2, 3).flatten().outputs(1).build();
    }

    @Test
    void regionOfTheWrongDimensionIsRefused() {
        assertThatThrownBy(() -> base().setRegion(Regions.simplex(10)).conv(2, 3).flatten().outputs(1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("region: dimension 10 != C*H*W = 1*6*6 = 36");
    }

    @Test
    void wrongInputShapeIsRefused() {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedConvNet net = base().conv(2, 3).flatten().outputs(1).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 36));
            ParameterStore ps = new ParameterStore(manager, false);
            for (Shape bad : new Shape[] {new Shape(4, 35), new Shape(4, 1, 6, 5), new Shape(4, 2, 6, 6), new Shape(36)}) {
                assertThatThrownBy(() -> net.forward(ps, new NDList(manager.zeros(bad)), false))
                        .as("shape %s", bad)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("expected (N, 1, 6, 6) or (N, 36)");
            }
            // both accepted shapes give the same outputs
            NDArray x = manager.randomNormal(new Shape(3, 36));
            float[] flat = net.forward(ps, new NDList(x), false).head().toFloatArray();
            float[] image = net.forward(ps, new NDList(x.reshape(3, 1, 6, 6)), false).head().toFloatArray();
            assertThat(image).isEqualTo(flat);
        }
    }

    @Test
    void malformedArchitecturesAreRefusedWithTheStage() {
        assertThatThrownBy(() -> base().conv(2, 3).flatten().batchNorm().outputs(1).build())
                .hasMessageContaining("stage 2 (batchNorm): batchNorm must directly follow a conv");
        assertThatThrownBy(() -> base().conv(2, 3).dense(4).outputs(1).build())
                .hasMessageContaining("dense after a feature map; add flatten() or globalAvgPool() first");
        assertThatThrownBy(() -> base().conv(2, 3).outputs(1).build())
                .hasMessageContaining("the head needs a vector");
        assertThatThrownBy(() -> base().conv(2, 3).maxPool(3, 3, 2, 2, 2, 2))
                .hasMessageContaining("padding (2, 2) for kernel (3, 3); expected between 0 and half the window");
        assertThatThrownBy(() -> base().conv(2, 7).flatten().outputs(1).build())
                .hasMessageContaining("kernel 7 larger than the padded map");
        assertThatThrownBy(() -> base().conv(2, 3).flatten().build()).hasMessageContaining("outputs: -1");
        assertThatThrownBy(() -> PolicedConvNet.builder().setInput(1, 6, 6).conv(2, 3).flatten().outputs(1).build())
                .hasMessageContaining("region: not set");
    }

    @Test
    void unrollRefusesMaxPoolAndInexactAveraging() {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedConvNet pooled = base().conv(2, 3).maxPool(2, 2).flatten().outputs(1).build();
            pooled.initialize(manager, DataType.FLOAT32, new Shape(1, 36));
            assertThatThrownBy(() -> DenseForm.of(pooled.fold())).hasMessageContaining("max-pool");
            PolicedConvNet averaged = base().conv(2, 2).globalAvgPool().outputs(1).build(); // 5x5 = 25
            averaged.initialize(manager, DataType.FLOAT32, new Shape(1, 36));
            assertThatThrownBy(() -> DenseForm.of(averaged.fold())).hasMessageContaining("1/25 is not a float");
        }
    }

    @Test
    void corruptedParametersAreRefused(@TempDir Path tmp) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedConvNet net = base().conv(2, 3).batchNorm().maxPool(2, 2).flatten().dense(3).outputs(2).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 36));
            Path dir = tmp.resolve("m");
            ModelIo.save(net, dir, null);
            byte[] bytes = Files.readAllBytes(dir.resolve(ModelIo.PARAMETERS));
            bytes[bytes.length - 3] ^= 1;
            Files.write(dir.resolve(ModelIo.PARAMETERS), bytes);
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("SHA-256");
        }
    }

    /** Training-mode batch-norm takes its statistics from the data rows only, never the vertices. */
    @Test
    void batchNormStatisticsComeFromTheDataRowsOnly() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // vertices far from the data: they would move the statistics a lot if they counted
            double[][] v = new double[4][36];
            for (int p = 0; p < 4; p++) {
                java.util.Arrays.fill(v[p], 50.0 * (p + 1));
            }
            PolicedConvNet net =
                    base().setRegion(VertexRegion.of(v)).conv(3, 3).batchNorm().flatten().outputs(1).build();
            Engine.getInstance().setRandomSeed(3);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 36));
            NDArray x = manager.randomNormal(new Shape(8, 1, 6, 6));
            net.forward(new ParameterStore(manager, false), new NDList(x), true);
            NDArray conv = Conv2d.conv2d(x, net.parameter("conv0.weight"), net.parameter("conv0.bias")).singletonOrThrow();
            float[] c = conv.toFloatArray();
            float[] running = net.parameter("bn0.runningMean").toFloatArray();
            for (int ch = 0; ch < 3; ch++) {
                double sum = 0;
                for (int n = 0; n < 8; n++) {
                    for (int p = 0; p < 16; p++) {
                        sum += c[(n * 3 + ch) * 16 + p];
                    }
                }
                assertThat((double) running[ch]).isCloseTo(0.1 * sum / 128, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }
}
