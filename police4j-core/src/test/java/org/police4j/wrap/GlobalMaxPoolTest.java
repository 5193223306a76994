package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.core.Prelu;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.pooling.Pool;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.conv.PolicedConvNet;

/**
 * DJL's {@code Pool.globalMaxPool2dBlock} / {@code globalMaxPool1dBlock}, a classifier head users
 * write, is read as what it is: a max-pooling with one window, the whole map (then a flatten of the
 * (C, 1, 1) map). Through every door of {@link WrapCase}: the plain fold computes the user's
 * network, it trains, certifies (vertices and a box), folds and saves identically. Blocks it is
 * easy to mistake for supported ones are refused with the reason.
 */
class GlobalMaxPoolTest {

    /** conv 3x3, ReLU, conv 3x3 padding 1, ReLU, global max-pool, Linear 2. */
    static SequentialBlock twoD() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(3).build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optPadding(new Shape(1, 1)).build())
                .add(Activation.reluBlock())
                .add(Pool.globalMaxPool2dBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    /** conv 3x3, ReLU, global max-pool directly on the group (its pre-activations pooled), Linear 8, ReLU, Linear 2. */
    static SequentialBlock inTheGroup() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).build())
                .add(Activation.reluBlock())
                .add(Pool.globalMaxPool2dBlock())
                .add(Linear.builder().setUnits(8).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    /** Conv1d 3, ReLU, global max-pool, Linear 2. */
    static SequentialBlock oneD() {
        return new SequentialBlock()
                .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(3).build())
                .add(Activation.reluBlock())
                .add(Pool.globalMaxPool1dBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    static final WrapCase TWO_D = new WrapCase("global-max", GlobalMaxPoolTest::twoD, new Shape(1, 7, 7));
    static final WrapCase IN_GROUP = new WrapCase("global-max-group", GlobalMaxPoolTest::inTheGroup, new Shape(1, 6, 6));
    static final WrapCase ONE_D = new WrapCase("global-max-1d", GlobalMaxPoolTest::oneD, new Shape(2, 9));

    @Test
    void isReadAsOneWindowOverTheWholeMap() {
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(twoD(), TWO_D.region(TWO_D.images(1, 1)), TWO_D.input());
        assertThat(net.stages().toString()).contains("MaxPool[kernel=5, stride=5], Flatten").doesNotContain("GlobalAvgPool");
        PolicedConvNet line = (PolicedConvNet) Policed.wrap(oneD(), ONE_D.region(ONE_D.images(1, 1)), ONE_D.input());
        assertThat(line.stages().toString()).contains("MaxPool[kernel=(1, 7), stride=(1, 7)], Flatten");
    }

    @Test
    void thePlainFoldIsTheUsersNetwork() {
        TWO_D.plainFoldIsTheUsersNetwork();
        IN_GROUP.plainFoldIsTheUsersNetwork();
        ONE_D.plainFoldIsTheUsersNetwork();
    }

    @Test
    void trainsCertifiesAndSaves(@TempDir Path dir) throws Exception {
        assertThat(TWO_D.trainCertifySave(dir, 4).unitsChecked()).isPositive();
        assertThat(IN_GROUP.trainCertifySave(dir, 4).unitsChecked()).isPositive();
        assertThat(ONE_D.trainCertifySave(dir, 4).unitsChecked()).isPositive();
    }

    @Test
    void aBoxAroundAnImageCertifies() {
        TWO_D.boxCertifies(0.05);
        IN_GROUP.trainOnBox(0.05, 3);
    }

    /** An activation after the pooled vector is refused with the way out (put it before the pool), which wraps. */
    @Test
    void anActivationAfterTheGlobalPoolIsSentBeforeIt() {
        SequentialBlock after = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).build())
                .add(Pool.globalMaxPool2dBlock())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(2).build());
        assertThatThrownBy(() -> Policed.wrap(after, IN_GROUP.region(IN_GROUP.images(1, 1)), IN_GROUP.input()))
                .hasMessageContaining("network block 2 (ReLU): an activation must follow")
                .hasMessageContaining("follows a flatten or a global pooling of a map no activation followed: put it"
                        + " before that block");
        SequentialBlock before = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).build())
                .add(Activation.reluBlock())
                .add(Pool.globalMaxPool2dBlock())
                .add(Linear.builder().setUnits(2).build());
        assertThat(Policed.wrap(before, IN_GROUP.region(IN_GROUP.images(1, 1)), IN_GROUP.input()))
                .isInstanceOf(PolicedConvNet.class);
    }

    @Test
    void blocksThatLookSupportedAreRefusedWithTheReason() {
        SequentialBlock prelu = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(3).build())
                .add(new Prelu())
                .add(Pool.globalMaxPool2dBlock())
                .add(Linear.builder().setUnits(2).build());
        assertThatThrownBy(() -> Policed.wrap(prelu, TWO_D.region(TWO_D.images(1, 1)), TWO_D.input()))
                .hasMessageContaining("network block 1 (Prelu)")
                .hasMessageContaining("learns its negative slope")
                .hasMessageContaining("Activation.leakyReluBlock");
        SequentialBlock norm = new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(LayerNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(2).build());
        assertThatThrownBy(() -> Policed.wrap(norm, org.police4j.region.Regions.simplex(3)))
                .hasMessageContaining("network block 1 (LayerNorm)")
                .hasMessageContaining("not piecewise affine");
        SequentialBlock scaled = new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(x -> new NDList(x.head().mul(0.5f).add(2f)))
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(2).build());
        assertThatThrownBy(() -> Policed.wrap(scaled, org.police4j.region.Regions.simplex(3)))
                .hasMessageContaining("network block 1 (anonymous) computes the affine function f(x) = 0.5 x + 2.0")
                .hasMessageContaining("fold it into the neighbouring Linear or conv");
    }
}
