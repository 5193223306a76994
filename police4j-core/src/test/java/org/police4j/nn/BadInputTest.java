package org.police4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;
import org.police4j.engine.ShiftEngine;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;

class BadInputTest {

    static final VertexRegion TRIANGLE = Regions.paperTriangle();

    static Linear linear(int units) {
        return Linear.builder().setUnits(units).build();
    }

    static SequentialBlock net(ai.djl.nn.Block activation) {
        return new SequentialBlock().add(linear(8)).add(activation).add(linear(1));
    }

    @Test
    void smoothActivationsAreRefusedWithTheBlockNamed() {
        for (ai.djl.nn.Block smooth :
                new ai.djl.nn.Block[] {Activation.tanhBlock(), Activation.sigmoidBlock(), Activation.geluBlock(), Activation.softPlusBlock(), Activation.mishBlock()}) {
            String name = ((LambdaBlock) smooth).getName();
            assertThatThrownBy(() -> PolicedMlp.wrap(net(smooth), TRIANGLE))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("network block 1 (" + name + ")")
                    .hasMessageContaining("is not piecewise affine");
        }
    }

    @Test
    void dropoutAfterTheHeadBatchNormAndOpaqueLambdasAreRefused() {
        // dropout is accepted before a Linear (WrapDropoutTest); after the head it is refused
        assertThatThrownBy(() -> PolicedMlp.wrap(net(CpaBlock.relu()).add(Dropout.builder().optRate(0.5f).build()), TRIANGLE))
                .hasMessageContaining("network block 3 (Dropout)")
                .hasMessageContaining("after the head");
        // batch-norm is folded into the Linear before it (WrapBatchNormTest); anywhere else it is refused
        assertThatThrownBy(() -> PolicedMlp.wrap(new SequentialBlock().add(linear(8)).add(CpaBlock.relu())
                        .add(BatchNorm.builder().build()).add(linear(1)), TRIANGLE))
                .hasMessageContaining("network block 2 (BatchNorm)")
                .hasMessageContaining("batch statistics");
        assertThatThrownBy(() -> PolicedMlp.wrap(net(new LambdaBlock(l -> new NDList(l.head().square()), "MyThing")), TRIANGLE))
                .hasMessageContaining("(MyThing)")
                .hasMessageContaining("is not piecewise affine");
        // ReLU6 has two kinks: recognised by probing, no longer refused
        assertThat(PolicedMlp.wrap(net(Activation.relu6Block()), TRIANGLE).activation()).isEqualTo(Cpa.relu6());
    }

    @Test
    void malformedSequencesAreRefused() {
        assertThatThrownBy(() -> PolicedMlp.wrap(new SequentialBlock().add(linear(4)).add(linear(4)).add(CpaBlock.relu()).add(linear(1)), TRIANGLE))
                .hasMessageContaining("two Linear blocks in a row");
        assertThatThrownBy(() -> PolicedMlp.wrap(new SequentialBlock().add(linear(4)).add(CpaBlock.relu()), TRIANGLE))
                .hasMessageContaining("expected a Linear head");
        assertThatThrownBy(() -> PolicedMlp.wrap(new SequentialBlock().add(linear(4)).add(CpaBlock.relu()).add(linear(4)).add(CpaBlock.abs()).add(linear(1)), TRIANGLE))
                .hasMessageContaining("activation abs differs from the earlier relu");
        assertThatThrownBy(() -> PolicedMlp.wrap(new SequentialBlock(), TRIANGLE))
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> PolicedMlp.wrap(new SequentialBlock().add(linear(1)), TRIANGLE))
                .hasMessageContaining("no hidden layer");
    }

    @Test
    void djlsOwnPiecewiseAffineBlocksAreAccepted() {
        PolicedMlp relu = PolicedMlp.wrap(net(Activation.reluBlock()), TRIANGLE);
        assertThat(relu.activation()).isEqualTo(Cpa.relu());
        PolicedMlp leaky = PolicedMlp.wrap(net(Activation.leakyReluBlock(0.2f)), TRIANGLE);
        assertThat(leaky.activation().kind()).isEqualTo(Cpa.Kind.LEAKY_RELU);
        assertThat(leaky.activation().negativeSlope()).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-7));
        assertThat(PolicedMlp.wrap(net(CpaBlock.abs()), TRIANGLE).activation()).isEqualTo(Cpa.abs());
    }

    @Test
    void builderArgumentsAreValidated() {
        assertThatThrownBy(() -> PolicedMlp.builder().setHidden(4).setOutputs(1).build())
                .hasMessageContaining("region: not set");
        assertThatThrownBy(() -> PolicedMlp.builder().setRegion(TRIANGLE).setHidden(4, 0).setOutputs(1).build())
                .hasMessageContaining("hidden: width 0 at layer 1; expected > 0");
        assertThatThrownBy(() -> PolicedMlp.builder().setRegion(TRIANGLE).setHidden().setOutputs(1).build())
                .hasMessageContaining("hidden: no hidden layer");
        assertThatThrownBy(() -> PolicedMlp.builder().setRegion(TRIANGLE).setHidden(4).setOutputs(0).build())
                .hasMessageContaining("outputs: 0");
        assertThatThrownBy(() -> PolicedMlp.builder().setRegion(TRIANGLE).setHidden(4).setOutputs(1).optMargin(-1).build())
                .hasMessageContaining("margin must be finite and >= 0, got -1.0");
        assertThatThrownBy(() -> new ShiftEngine(Double.NaN)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> Cpa.parse("tanh"))
                .hasMessageContaining("'tanh' is not a piecewise-affine activation");
    }

    @Test
    void inputOfTheWrongDimensionIsRefused() {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder().setRegion(TRIANGLE).setHidden(4).setOutputs(1).build();
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
            assertThatThrownBy(() -> block.forward(new ParameterStore(manager, false), new NDList(manager.ones(new Shape(5, 3))), false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input: shape (5, 3), expected (N, 2)");
        }
    }

    @Test
    void nonFiniteOrEmptyRegionsAreRefusedBeforeAnyNetworkIsBuilt() {
        assertThatThrownBy(() -> VertexRegion.of(new double[][] {{0, Double.NaN}}))
                .hasMessageContaining("NaN");
        assertThatThrownBy(() -> VertexRegion.of(new double[][] {{0, Double.POSITIVE_INFINITY}}))
                .hasMessageContaining("Infinity");
        assertThatThrownBy(() -> VertexRegion.of(new double[0][]))
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> VertexRegion.of(new double[][] {{0, 1}, {0, 1, 2}}))
                .hasMessageContaining("row 1 has 3 coordinates, expected 2");
    }
}
