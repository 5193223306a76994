package org.police4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.police4j.nn.BadInputTest.TRIANGLE;
import static org.police4j.nn.BadInputTest.linear;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certify;

/** A BatchNorm right after a Linear is folded into it with its inference statistics. */
class WrapBatchNormTest {

    private static SequentialBlock network() {
        return new SequentialBlock()
                .add(linear(16)).add(BatchNorm.builder().build()).add(Activation.reluBlock())
                .add(linear(8)).add(BatchNorm.builder().build()).add(Activation.reluBlock())
                .add(linear(2));
    }

    @Test
    void aTrainedBatchNormFoldsIntoItsLinear() {
        SequentialBlock user = network();
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(8);
            user.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
            ParameterStore ps = new ParameterStore(manager, false);
            // move the running statistics and the affine parameters away from their defaults
            for (int step = 0; step < 20; step++) {
                user.forward(ps, new NDList(manager.randomNormal(3f, 2f, new Shape(32, 2), DataType.FLOAT32)), true);
            }
            BatchNorm bn = (BatchNorm) user.getChildren().get(1).getValue();
            bn.getParameters().get("gamma").getArray().set(manager.randomUniform(0.5f, 2f, new Shape(16)).toFloatArray());
            bn.getParameters().get("beta").getArray().set(manager.randomUniform(-1f, 1f, new Shape(16)).toFloatArray());

            PolicedMlp net = PolicedMlp.wrap(user, TRIANGLE);
            assertThat(net.layers()).hasSize(3);
            Linear original = (Linear) user.getChildren().get(0).getValue();
            assertThat(net.layers().get(0)).isNotSameAs(original); // replaced: the batch-norm is frozen
            assertThat(net.layers().get(2)).isSameAs(user.getChildren().get(6).getValue());

            // the folded Linear computes Linear then batch-norm (inference statistics)
            NDArray x = manager.randomUniform(-2f, 2f, new Shape(50, 2));
            NDArray pair = bn.forward(ps, original.forward(ps, new NDList(x), false), false).head();
            NDArray folded = net.layers().get(0).forward(ps, new NDList(x), false).head();
            float[] p = pair.toFloatArray();
            float[] f = folded.toFloatArray();
            for (int i = 0; i < p.length; i++) {
                assertThat((double) f[i]).isCloseTo(p[i], org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(p[i]))));
            }
            assertThat(Certify.policed(net, Certify.Options.defaults().optInteriorSamples(50).optSeed(3)).certified()).isTrue();
            // the plain network's own certificate reads its batch-norm the same way
            assertThat(Certify.plain(user, TRIANGLE, Certify.Options.defaults().optInteriorSamples(20).optSeed(3)).unitsChecked()).isEqualTo(24);
        }
    }

    @Test
    void anUninitialisedBatchNormIsRefusedWithTheReason() {
        assertThatThrownBy(() -> PolicedMlp.wrap(network(), TRIANGLE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("network block 1 (BatchNorm)")
                .hasMessageContaining("not initialised")
                .hasMessageContaining("inference statistics");
    }
}
