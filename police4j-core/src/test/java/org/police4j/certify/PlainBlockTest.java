package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import org.junit.jupiter.api.Test;
import org.police4j.fold.Fold;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;

/** "Is my existing DJL network affine on R?" in one call, on a network whose answer is known. */
class PlainBlockTest {

    /** y = 2 relu(x - 1) + 3: affine on [2, 3] (y = 2x + 1) and on [-1, 0] (y = 3), not on [0, 2]. */
    private static SequentialBlock network(NDManager manager) {
        SequentialBlock net = new SequentialBlock()
                .add(Linear.builder().setUnits(1).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(1).build());
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
        Fold.copy(((Linear) net.getChildren().get(0).getValue()).getParameters().get("weight").getArray(), new float[] {1});
        Fold.copy(((Linear) net.getChildren().get(0).getValue()).getParameters().get("bias").getArray(), new float[] {-1});
        Fold.copy(((Linear) net.getChildren().get(2).getValue()).getParameters().get("weight").getArray(), new float[] {2});
        Fold.copy(((Linear) net.getChildren().get(2).getValue()).getParameters().get("bias").getArray(), new float[] {3});
        return net;
    }

    @Test
    void certifiesWhereThePlainNetworkIsAffineAndRefusesWhereItBends() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock net = network(manager);
            Certificate active = Certify.plain(net, VertexRegion.of("a", new double[][] {{2}, {3}}), Certify.Options.defaults().optInteriorSamples(20).optSeed(1));
            assertThat(active.certified()).isTrue();
            assertThat(active.a()).isEqualTo(new double[][] {{2}});
            assertThat(active.b()).isEqualTo(new double[] {1});
            Certificate flat = Certify.plain(net, VertexRegion.of("b", new double[][] {{-1}, {0}}), Certify.Options.defaults().optInteriorSamples(20).optSeed(1));
            assertThat(flat.certified()).isTrue();
            assertThat(flat.a()).isEqualTo(new double[][] {{0}});
            assertThat(flat.b()).isEqualTo(new double[] {3});
            Certificate bent = Certify.plain(net, VertexRegion.of("c", new double[][] {{0}, {2}}), Certify.Options.defaults().optInteriorSamples(20).optSeed(1));
            assertThat(bent.certified()).isFalse();
        }
    }

    @Test
    void refusesAnUninitialisedNetworkAndASmoothOne() {
        SequentialBlock raw = new SequentialBlock().add(Linear.builder().setUnits(2).build())
                .add(Activation.reluBlock()).add(Linear.builder().setUnits(1).build());
        assertThatThrownBy(() -> Certify.plain(raw, Regions.simplex(2), Certify.Options.defaults().optInteriorSamples(0).optSeed(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not initialised");
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock smooth = new SequentialBlock().add(Linear.builder().setUnits(2).build())
                    .add(Activation.tanhBlock()).add(Linear.builder().setUnits(1).build());
            smooth.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
            assertThatThrownBy(() -> Certify.plain(smooth, Regions.simplex(2), Certify.Options.defaults().optInteriorSamples(0).optSeed(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("network block 1");
        }
    }
}
