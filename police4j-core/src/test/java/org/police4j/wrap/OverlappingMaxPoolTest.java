package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.conv.PolicedConvNet;
import ai.djl.ndarray.NDList;
import org.police4j.network.DjlExport;
import org.police4j.network.DoubleEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.nn.PolicedNetwork;
import org.police4j.region.VertexRegion;
import org.police4j.testing.ExactChecker;

/**
 * Max-pooling with overlapping or padded windows (NiN and AlexNet's window 3 stride 2, ResNet's
 * stem 3 stride 2 padding 1) made exact by the ordered pool shift: a DJL user's network goes
 * through every door ({@link WrapCase}), a box around an image certifies through the support
 * certificate, and the same folded network without its pool shifts is refused.
 */
class OverlappingMaxPoolTest {

    /** NiN/AlexNet-style: conv 3x3, ReLU, max-pool 3 stride 2, conv 3x3 padding 1, ReLU, max-pool 3 stride 2 padding 1, flatten, 8, 2. */
    static SequentialBlock nin() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(3).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optPadding(new Shape(1, 1)).build())
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)))
                .add(Activation.reluBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(8).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    /** 1-D: Conv1d, ReLU, max-pool 3 stride 1 padding 1, global average. */
    static SequentialBlock oneD() {
        return new SequentialBlock()
                .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(3).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool1dBlock(new Shape(3), new Shape(1), new Shape(1)))
                .add(Pool.globalAvgPool1dBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    /**
     * SqueezeNet-style: conv 3x3, ReLU, max-pool 3 stride 2 in ceil mode (DJL's {@code
     * PoolingConvention.FULL}) on a 10x10 map, whose last window hangs one position past the edge
     * (5x5 pooled values; floor mode gives 4x4), flatten, 8, 2.
     */
    static SequentialBlock ceil() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(3).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(0, 0), true))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(8).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    static final WrapCase NIN = new WrapCase("nin", OverlappingMaxPoolTest::nin, new Shape(1, 13, 13));
    static final WrapCase ONE_D = new WrapCase("overlap-1d", OverlappingMaxPoolTest::oneD, new Shape(2, 10));
    static final WrapCase CEIL = new WrapCase("ceil-pool", OverlappingMaxPoolTest::ceil, new Shape(1, 12, 12));

    /**
     * A ceil-mode max-pool is read as one, wraps, its plain fold is the user's network, it trains,
     * certifies, folds and saves (DJL and ModelIo) identically, and the exact checker agrees with
     * the certificate on the folded network.
     */
    @Test
    void ceilModePoolsWrapTrainCertifyAndSave(@TempDir Path dir) throws Exception {
        VertexRegion region = CEIL.region(CEIL.images(1, 7));
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(13);
            SequentialBlock user = ceil();
            user.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(CEIL.input()));
            PolicedConvNet net = (PolicedConvNet) Policed.wrap(user, region, CEIL.input());
            assertThat(net.stages().toString()).contains("MaxPool[kernel=3, stride=2, ceilMode]");
            FoldedNetwork folded = net.fold();
            Layer.MaxPool pool = folded.leaves().stream().filter(l -> l instanceof Layer.MaxPool)
                    .map(l -> (Layer.MaxPool) l).findFirst().orElseThrow();
            assertThat(pool.ceilMode()).isTrue();
            assertThat(new int[] {pool.outH(), pool.outW()}).containsExactly(5, 5);
            Certificate cert = Certifier.certify(folded, region.vertices(), null);
            assertThat(cert.certified()).as("%s", cert.summary()).isTrue();
            ExactChecker.Result exact = ExactChecker.check(folded, region.vertices());
            assertThat(exact.affine()).as("%s", exact).isTrue();
            double[][] vertices = region.vertices();
            float[] rows = new float[vertices.length * CEIL.dimension()];
            for (int i = 0; i < vertices.length; i++) {
                for (int j = 0; j < CEIL.dimension(); j++) {
                    rows[i * CEIL.dimension() + j] = (float) vertices[i][j];
                }
            }
            NDArray x = manager.create(rows, new Shape(vertices.length, CEIL.dimension()));
            float[] exported = DjlExport.block(folded, manager).forward(new ParameterStore(manager, false),
                    new NDList(x), false).head().toFloatArray();
            int k = exported.length / vertices.length;
            for (int i = 0; i < vertices.length; i++) {
                double[] y = DoubleEval.evaluate(folded, vertices[i]);
                for (int j = 0; j < k; j++) {
                    assertThat((double) exported[i * k + j]).as("DJL export (ceil-mode pool), vertex %d output %d", i, j)
                            .isCloseTo(y[j], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(y[j]))));
                }
            }
        }
        CEIL.plainFoldIsTheUsersNetwork();
        assertThat(CEIL.trainCertifySave(dir, 6).unitsChecked()).isPositive();
    }

    @Test
    void readsOverlappingAndPaddedPools() {
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(nin(), NIN.region(NIN.images(1, 1)), NIN.input());
        assertThat(net.stages().toString()).contains("MaxPool[kernel=3, stride=2]", "MaxPool[kernel=3, stride=2, padding=1]");
    }

    @Test
    void thePlainFoldIsTheUsersNetwork() {
        NIN.plainFoldIsTheUsersNetwork();
        ONE_D.plainFoldIsTheUsersNetwork();
    }

    @Test
    void ninTrainsCertifiesAndSaves(@TempDir Path dir) throws Exception {
        assertThat(NIN.trainCertifySave(dir, 4).unitsChecked()).isPositive();
        assertThat(ONE_D.trainCertifySave(dir, 4).unitsChecked()).isPositive();
    }

    /** A box around an image (a support region: the tracked map decides the shifts, the support certificate checks). */
    @Test
    void aBoxAroundAnImageCertifies() {
        NIN.boxCertifies(0.05);
        ONE_D.boxCertifies(0.05);
        NIN.trainOnBox(0.05, 3);
    }

    /**
     * The pool shift is what makes the overlapping windows exact: the folded network with the pool
     * shifts taken out of its conv biases (the POLICE shifts kept) is refused by the certificate.
     */
    @Test
    void withoutThePoolShiftTheCertificateFails() {
        float[] data = NIN.images(1, 7);
        VertexRegion region = NIN.region(data);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(13);
            SequentialBlock user = nin();
            user.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 13, 13));
            PolicedConvNet net = (PolicedConvNet) Policed.wrap(user, region, NIN.input());
            FoldedNetwork folded = net.fold();
            assertThat(Certifier.certify(folded, region.vertices(), null).certified()).isTrue();
            PolicedNetwork.Trace trace = net.forwardWithTrace(new ParameterStore(manager, false),
                    manager.zeros(new Shape(0, NIN.dimension())), false);
            List<Layer> layers = new ArrayList<>(folded.layers());
            int conv = 0;
            boolean dropped = false;
            for (int i = 0; i < layers.size(); i++) {
                if (layers.get(i) instanceof Layer.Conv c) {
                    NDArray poolShift = trace.layers().get(conv++).poolShift();
                    float[] d = poolShift.toFloatArray();
                    float[] bias = c.bias().clone();
                    for (int k = 0; k < bias.length; k++) {
                        dropped |= d[k] != 0;
                        bias[k] += d[k];
                    }
                    layers.set(i, c.withBias(bias));
                }
            }
            assertThat(dropped).as("some pool shift is active on this region").isTrue();
            Certificate without = Certifier.certify(new FoldedNetwork(folded.inputShape(), layers), region.vertices(), null);
            assertThat(without.certified()).as("without pool shifts: %s", without.summary()).isFalse();
        }
    }
}
