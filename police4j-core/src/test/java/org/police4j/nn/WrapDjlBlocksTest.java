package org.police4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.police4j.nn.BadInputTest.TRIANGLE;
import static org.police4j.nn.BadInputTest.linear;
import static org.police4j.nn.BadInputTest.net;

import ai.djl.basicmodelzoo.basic.Mlp;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.engine.Cpa;
import org.police4j.fold.Fold;
import org.police4j.region.Box;

/** DJL's own blocks, wrapped as a DJL user builds them; activations judged by what they compute. */
class WrapDjlBlocksTest {

    @Test
    void modelZooMlpWrapsUnchangedAndTakesImages() {
        double[] centre = new double[784];
        Arrays.fill(centre, 0.5);
        PolicedMlp net = PolicedMlp.wrap(new Mlp(784, 10, new int[] {128, 64}), Box.linf(centre, 0.01));
        assertThat(net.activation()).isEqualTo(Cpa.relu());
        assertThat(net.layers()).hasSize(3);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 28, 28));
            assertThat(net.hiddenWidths()).containsExactly(128, 64);
            assertThat(net.getOutputShapes(new Shape[] {new Shape(5, 28, 28)})[0]).isEqualTo(new Shape(5, 10));
            NDArray x = manager.randomUniform(0f, 1f, new Shape(5, 28, 28));
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray policed = net.forward(ps, new NDList(x), false).head();
            assertThat(policed.getShape()).isEqualTo(new Shape(5, 10));
            NDArray folded = Fold.block(net, manager).forward(ps, new NDList(x.reshape(5, 784)), false).head();
            float[] p = policed.toFloatArray();
            float[] f = folded.toFloatArray();
            for (int i = 0; i < p.length; i++) {
                assertThat(f[i]).isCloseTo(p[i], org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(p[i]))));
            }
            Certificate certificate = Certify.policed(net, Certify.Options.defaults().optInteriorSamples(50).optSeed(7));
            assertThat(certificate.certified()).isTrue();
            assertThat(certificate.unitsChecked()).isEqualTo(192);
        }
    }

    @Test
    void aShapeWhoseRowsAreNotTheRegionsDimensionIsRefusedAtInitialize() {
        double[] centre = new double[784];
        PolicedMlp net = PolicedMlp.wrap(new Mlp(784, 10, new int[] {16}), Box.linf(centre, 0.01));
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> net.initialize(manager, DataType.FLOAT32, new Shape(1, 27, 28)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(1, 27, 28)")
                    .hasMessageContaining("784");
        }
    }

    @Test
    void withoutAFlattenOnlyRowsOfTheRegionsDimensionAreAccepted() {
        PolicedMlp net = PolicedMlp.wrap(net(Activation.reluBlock()), TRIANGLE);
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 2)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input: shape (1, 1, 2), expected (N, 2)");
        }
    }

    @Test
    void aBlockNamedReluThatComputesTheSigmoidIsRefusedWithItsPosition() {
        assertThatThrownBy(() -> PolicedMlp.wrap(net(new LambdaBlock(Activation::sigmoid, "ReLU")), TRIANGLE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("network block 1 (ReLU)")
                .hasMessageContaining("does not compute ReLU")
                .hasMessageContaining("f(-1) = 0.26894");
    }

    @Test
    void reluIsRecognisedWhateverTheBlockIsCalled() {
        PolicedMlp net = PolicedMlp.wrap(net(new LambdaBlock(Activation::relu, "whatever")), TRIANGLE);
        assertThat(net.activation()).isEqualTo(Cpa.relu());
        assertThat(PolicedMlp.wrap(net(new LambdaBlock(l -> new NDList(l.head().abs()))), TRIANGLE).activation())
                .isEqualTo(Cpa.abs());
        assertThat(PolicedMlp.wrap(net(CpaBlock.leakyRelu(0.05)), TRIANGLE).activation())
                .isEqualTo(Cpa.leakyRelu(0.05));
    }

    @Test
    void aLeakySlopeIsReadByProbing() {
        Cpa leaky = PolicedMlp.wrap(net(new LambdaBlock(l -> Activation.leakyRelu(l, 0.2f), "mine")), TRIANGLE)
                .activation();
        assertThat(leaky.kind()).isEqualTo(Cpa.Kind.LEAKY_RELU);
        assertThat(leaky.negativeSlope()).isEqualTo((double) 0.2f);
        assertThat(PolicedMlp.wrap(net(Activation.leakyReluBlock(0.2f)), TRIANGLE).activation()).isEqualTo(leaky);
    }

    @Test
    void nestedSequentialBlocksAreReadAsTheirChildren() {
        SequentialBlock inner = new SequentialBlock().add(Activation.reluBlock()).add(linear(4));
        SequentialBlock outer = new SequentialBlock()
                .add(linear(8))
                .add(inner)
                .add(new SequentialBlock().add(Activation::relu).add(linear(1)));
        PolicedMlp net = PolicedMlp.wrap(outer, TRIANGLE);
        assertThat(net.layers()).hasSize(3);
        assertThat(net.activation()).isEqualTo(Cpa.relu());
        SequentialBlock bad = new SequentialBlock().add(linear(8)).add(new SequentialBlock().add(Activation.tanhBlock())).add(linear(1));
        assertThatThrownBy(() -> PolicedMlp.wrap(bad, TRIANGLE))
                .hasMessageContaining("network block 1.0 (Tanh)")
                .hasMessageContaining("is not piecewise affine");
    }

    @Test
    void identitiesAreDropped() {
        SequentialBlock withIdentities = new SequentialBlock()
                .add(Blocks.identityBlock())
                .add(linear(8))
                .add(new LambdaBlock(l -> l, "noop"))
                .add(Activation.reluBlock())
                .add(Blocks.identityBlock())
                .add(linear(1));
        PolicedMlp net = PolicedMlp.wrap(withIdentities, TRIANGLE);
        assertThat(net.layers()).hasSize(2);
        assertThat(net.activation()).isEqualTo(Cpa.relu());
    }

    @Test
    void aBatchFlattenIsAnIdentityOnRowsAndAReshapeBeforeTheFirstLinear() {
        SequentialBlock late = new SequentialBlock()
                .add(linear(8))
                .add(Blocks.batchFlattenBlock())
                .add(Activation.reluBlock())
                .add(linear(1));
        // On (1, n) rows a batch flatten is the identity: dropped, the rest is a plain MLP.
        assertThat(PolicedMlp.wrap(late, TRIANGLE).layers()).hasSize(2);
        SequentialBlock flattenFirst = new SequentialBlock().add(Blocks.batchFlattenBlock(2)).add(linear(8)).add(Activation.reluBlock()).add(linear(1));
        assertThat(PolicedMlp.wrap(flattenFirst, TRIANGLE).flattensInput()).isTrue();
    }
}
