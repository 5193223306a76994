package org.police4j.wrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.basicmodelzoo.cv.classification.LeNet;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.conv.PolicedConvNet;
import org.police4j.engine.PoolWindows;
import org.police4j.network.DoubleEval;
import org.police4j.network.ExactEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.IntervalMapEval;
import org.police4j.network.Layer;
import org.police4j.region.Box;
import org.police4j.testing.InputRegions;
import org.police4j.testing.Nets;

/**
 * Average pooling of any window, stride and padding ({@code Pool.avgPool2d} with DJL's padding,
 * ceiling and count-include-pad semantics): the folded layer computes what DJL computes, in every
 * evaluator, and a DJL user's network with it (LeNet with ReLU, a 1-D one) goes through every door
 * ({@link WrapCase}).
 */
class AveragePoolingTest {

    /** (kernel, stride, padding) per axis, ceil mode, count-include-pad: the shapes PyTorch treats specially. */
    static final List<Object[]> GEOMETRIES = List.of(
            new Object[] {5, 5, 2, 2, 2, 2, false, true}, // LeNet's
            new Object[] {3, 3, 2, 2, 1, 1, false, false},
            new Object[] {3, 2, 2, 1, 1, 0, true, true},
            new Object[] {3, 3, 2, 2, 1, 1, true, false},
            new Object[] {2, 2, 3, 3, 1, 0, true, true},
            new Object[] {4, 1, 3, 1, 2, 0, true, false},
            new Object[] {2, 2, 2, 2, 0, 0, false, true});

    /**
     * The folded average pool, in double, exact and interval arithmetic, computes DJL's {@code
     * Pool.avgPool2d} (to its float32 rounding), and the interval enclosure holds the exact value.
     */
    @Test
    void everyEvaluatorComputesDjlsAveragePool() {
        int c = 2;
        int h = 7;
        int w = 6;
        Random rng = new Random(3);
        double[] x = new double[c * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.nextInt(129) / 32.0 - 2;
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray maps = manager.create(Nets.toFloat(x), new Shape(1, c, h, w));
            for (Object[] g : GEOMETRIES) {
                PoolWindows windows = new PoolWindows(c, h, w, (int) g[0], (int) g[1], (int) g[2], (int) g[3],
                        (int) g[4], (int) g[5], (boolean) g[6]);
                boolean countPad = (boolean) g[7];
                NDArray djl = Pool.avgPool2d(maps, new Shape(windows.kernelH(), windows.kernelW()),
                        new Shape(windows.strideH(), windows.strideW()), new Shape(windows.padH(), windows.padW()),
                        windows.ceilMode(), countPad);
                assertThat(djl.getShape()).as("%s", windows).isEqualTo(new Shape(1, c, windows.outH(), windows.outW()));
                // DJL 0.36's PyTorch engine drops countIncludePad (PyTorch's default, true, always
                // applies): compared with DJL where the flag holds, with the exact average everywhere
                float[] expected = djl.toFloatArray();
                boolean djlAgrees = countPad;
                FoldedNetwork net = new FoldedNetwork(new Shape(c, h, w), List.of(new Layer.AvgPool(windows, countPad),
                        new Layer.Flatten(c, windows.outH(), windows.outW()),
                        new Layer.Dense(identity(windows.outputs()), new float[windows.outputs()])));
                double[] got = DoubleEval.evaluate(net, x);
                double[][][] exact = new ExactEval(net).affineMap(new int[0][], new int[0][], false);
                IntervalMapEval e = IntervalMapEval.input(x);
                for (Layer layer : net.layers()) {
                    e = e.apply(layer);
                }
                double[][] bounds = e.bounds(Box.linf(x, 0));
                for (int u = 0; u < expected.length; u++) {
                    String what = windows + ", countIncludePad " + countPad + ", output " + u;
                    BigDecimal truth = exactAverage(windows, countPad, x, u);
                    if (djlAgrees) {
                        assertThat(truth.doubleValue()).as("DJL, " + what)
                                .isCloseTo(expected[u], org.assertj.core.data.Offset.offset(1e-6));
                    }
                    assertThat(got[u]).as(what).isCloseTo(truth.doubleValue(), org.assertj.core.data.Offset.offset(1e-12));
                    double mapped = 0;
                    for (int j = 0; j < x.length; j++) {
                        mapped += exact[0][u][j] * x[j];
                    }
                    assertThat(mapped + exact[1][0][u]).as("exact map, " + what)
                            .isCloseTo(truth.doubleValue(), org.assertj.core.data.Offset.offset(1e-12));
                    assertThat(new BigDecimal(bounds[0][u]).compareTo(truth)).as("interval lower, " + what).isLessThanOrEqualTo(0);
                    assertThat(new BigDecimal(bounds[1][u]).compareTo(truth)).as("interval upper, " + what).isGreaterThanOrEqualTo(0);
                }
            }
        }
    }

    /**
     * What docs/POOLING.md reports: DJL 0.36's PyTorch engine does not pass {@code countIncludePad}
     * to PyTorch, so asking not to count the padding changes nothing (if DJL ever passes it on,
     * this fails, and {@code Stage.AvgPool} may accept {@code countIncludePad=false}).
     */
    @Test
    void djlCountsThePaddingWhateverTheFlagSays() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.arange(1f, 50f).reshape(1, 1, 7, 7);
            Shape k = new Shape(3, 3);
            Shape s = new Shape(2, 2);
            Shape p = new Shape(1, 1);
            float[] counted = Pool.avgPool2d(x, k, s, p, false, true).toFloatArray();
            float[] notCounted = Pool.avgPool2d(x, k, s, p, false, false).toFloatArray();
            assertThat(notCounted).isEqualTo(counted);
            assertThat(counted[0]).isEqualTo((1f + 2 + 8 + 9) / 9); // the corner window: 4 inputs, divided by 9
        }
    }

    private static BigDecimal exactAverage(PoolWindows windows, boolean countPad, double[] x, int u) {
        BigDecimal s = BigDecimal.ZERO;
        for (int m : windows.members(u)) {
            s = s.add(new BigDecimal(x[m]));
        }
        return s.divide(BigDecimal.valueOf(windows.divisor(u, countPad)), MathContext.DECIMAL128);
    }

    private static float[][] identity(int n) {
        float[][] m = new float[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1;
        }
        return m;
    }


    /**
     * DJL's zoo LeNet ({@code ai.djl.basicmodelzoo.cv.classification.LeNet}) with ReLU in place of
     * its sigmoid, channels shrunk: conv 5x5 padding 2, ReLU, average pool 5 stride 2 padding 2,
     * conv 5x5, ReLU, the same pool, flatten, Linear, ReLU, Linear, ReLU, Linear.
     */
    static SequentialBlock lenetRelu(int c1, int c2, int d1, int d2, int classes) {
        Shape pool = new Shape(5, 5);
        Shape stride = new Shape(2, 2);
        Shape pad = new Shape(2, 2);
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).optPadding(pad).optBias(false).setFilters(c1).build())
                .add(Activation::relu)
                .add(Pool.avgPool2dBlock(pool, stride, pad))
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(c2).build())
                .add(Activation::relu)
                .add(Pool.avgPool2dBlock(pool, stride, pad))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(d1).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(d2).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(classes).build());
    }

    /**
     * 1-D: conv, ReLU, average pool 3 stride 2 padding 1 (ceiling; asked not to count the padding,
     * which DJL's PyTorch engine counts anyway), conv, ReLU, global average.
     */
    static SequentialBlock oneD() {
        return new SequentialBlock()
                .add(Conv1d.builder().setKernelShape(new Shape(3)).setFilters(3).build())
                .add(Activation.reluBlock())
                .add(Pool.avgPool1dBlock(new Shape(3), new Shape(2), new Shape(1), true, false))
                .add(Conv1d.builder().setKernelShape(new Shape(2)).setFilters(4).build())
                .add(Activation.reluBlock())
                .add(Pool.globalAvgPool1dBlock())
                .add(Linear.builder().setUnits(2).build());
    }

    static final WrapCase LENET = new WrapCase("lenet-relu", () -> lenetRelu(2, 3, 8, 6, 2), new Shape(1, 12, 12));
    static final WrapCase ONE_D = new WrapCase("avg-1d", AveragePoolingTest::oneD, new Shape(2, 12));

    @Test
    void readsTheAveragePoolsAsDjlDefinesThem() {
        PolicedConvNet net = (PolicedConvNet) Policed.wrap(lenetRelu(2, 3, 8, 6, 2),
                LENET.region(LENET.images(1, 1)), LENET.input());
        assertThat(net.stages().toString())
                .contains("AvgPool[kernel=(5, 5), stride=(2, 2), padding=(2, 2), ceilMode=false, countIncludePad=true]");
        PolicedConvNet one = (PolicedConvNet) Policed.wrap(oneD(), ONE_D.region(ONE_D.images(1, 1)), ONE_D.input());
        assertThat(one.stages().toString())
                .contains("AvgPool[kernel=(1, 3), stride=(1, 2), padding=(0, 1), ceilMode=true, countIncludePad=true]");
    }

    @Test
    void thePlainFoldIsTheUsersNetwork() {
        LENET.plainFoldIsTheUsersNetwork();
        ONE_D.plainFoldIsTheUsersNetwork();
    }

    @Test
    void lenetWithReluTrainsCertifiesAndSaves(@TempDir Path dir) throws Exception {
        assertThat(LENET.trainCertifySave(dir, 4).unitsChecked()).isPositive();
    }

    @Test
    void aBoxAroundAnImageCertifies() {
        LENET.boxCertifies(0.05);
        ONE_D.boxCertifies(0.05);
        LENET.trainOnBox(0.05, 3);
    }

    @Test
    void oneDimensionalTrainsCertifiesAndSaves(@TempDir Path dir) throws Exception {
        assertThat(ONE_D.trainCertifySave(dir, 4).unitsChecked()).isPositive();
    }

    /** The zoo's LeNet as shipped has sigmoids: refused, naming the block; an average before the activation too. */
    @Test
    void refusesSigmoidLenetAndAnAverageBeforeTheActivation() {
        SequentialBlock zoo = (SequentialBlock) LeNet.builder().build();
        assertThatThrownBy(() -> Policed.wrap(zoo, InputRegions.cross(new float[28 * 28], 28 * 28, "zoo", 10, 20),
                        new Shape(1, 28, 28)))
                .hasMessageContaining("network block 1")
                .hasMessageContaining("not piecewise affine");
        SequentialBlock early = new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build())
                .add(Pool.avgPool2dBlock(new Shape(2, 2)))
                .add(Activation.reluBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(2).build());
        assertThatThrownBy(() -> Policed.wrap(early, LENET.region(LENET.images(1, 1)), LENET.input()))
                .hasMessageContaining("network block 1 (avgPool2d) is refused")
                .hasMessageContaining("put the activation before the average pooling");
    }
}
