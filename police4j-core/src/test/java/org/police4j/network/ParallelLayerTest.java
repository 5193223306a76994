package org.police4j.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.police4j.network.FoldedNetworkTest.dense;
import static org.police4j.network.FoldedNetworkTest.floats;
import static org.police4j.network.FoldedNetworkTest.points;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.certify.SupportCertifier;
import org.police4j.engine.Cpa;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.ChannelAffine;
import org.police4j.network.Layer.Conv;
import org.police4j.network.Layer.Flatten;
import org.police4j.network.Layer.MaxPool;
import org.police4j.network.Layer.Parallel;
import org.police4j.engine.Join;
import org.police4j.region.Box;

/**
 * Graphs in the folded network: residual sums and concatenations, nested, in dense and conv
 * networks. Every evaluator computes the same function (double forward and backward, exact
 * forward and backward, the interval maps, the DJL export), the certificate reads the graph, and
 * a bias broken inside a branch or after a join is found at its unit.
 */
class ParallelLayerTest {

    private static final Cpa LEAKY = Cpa.leakyRelu(0.125);

    /**
     * (3) -> dense 4, act0 -> sum([dense 5, act1, dense 4], identity) + bias, act2 -> concat([dense 2],
     * [dense 3, act3, sum([dense 3], identity)]) + bias, act4 -> dense 2. Activations are numbered
     * in evaluation order, branch 0 first.
     */
    static FoldedNetwork residualMlp(Random rnd) {
        Parallel inner = new Parallel(List.of(List.of(dense(rnd, 3, 3)), List.of()), Join.SUM, floats(rnd, 3));
        return new FoldedNetwork(new Shape(3), List.of(
                dense(rnd, 3, 4),
                new Activation(LEAKY),
                new Parallel(List.of(List.of(dense(rnd, 4, 5), new Activation(LEAKY), dense(rnd, 5, 4)), List.of()),
                        Join.SUM, floats(rnd, 4)),
                new Activation(LEAKY),
                new Parallel(List.of(List.of(dense(rnd, 4, 2)), List.of(dense(rnd, 4, 3), new Activation(LEAKY), inner)),
                        Join.CONCAT, floats(rnd, 5)),
                new Activation(LEAKY),
                dense(rnd, 5, 2)));
    }

    /**
     * (2, 4, 4) -> conv 3 (3x3 pad 1), act0 -> sum([conv 3 (3x3 pad 1), batch-norm map, act1, conv 3
     * (3x3 pad 1)], [conv 3 (1x1)]) + bias, act2 -> concat([max-pool 2x2], [conv 2 (2x2 stride 2)]) +
     * bias, act3 -> flatten -> dense 2: ResNet's unit with a projection shortcut, then a fire-like concat
     * (the batch-norm map has no DJL block of its own: the export test goes without it).
     */
    static FoldedNetwork residualCnn(Random rnd, boolean batchNorm) {
        Layer first = new Conv(3, 4, 4, 3, 3, 3, 1, 1, 1, floats(rnd, 81), floats(rnd, 48));
        Layer norm = new ChannelAffine(3, 16, new float[] {0.5f, -1.25f, 2f}, new float[] {0.25f, 0f, -0.5f});
        return new FoldedNetwork(new Shape(2, 4, 4), List.of(
                new Conv(2, 4, 4, 3, 3, 3, 1, 1, 1, floats(rnd, 54), floats(rnd, 48)),
                new Activation(LEAKY),
                new Parallel(List.of(
                        batchNorm ? List.of(first, norm, new Activation(LEAKY), new Conv(3, 4, 4, 3, 3, 3, 1, 1, 1, floats(rnd, 81), new float[48]))
                                : List.of(first, new Activation(LEAKY), new Conv(3, 4, 4, 3, 3, 3, 1, 1, 1, floats(rnd, 81), new float[48])),
                        List.of(new Conv(3, 4, 4, 3, 1, 1, 1, 0, 0, floats(rnd, 9), new float[48]))),
                        Join.SUM, floats(rnd, 48)),
                new Activation(LEAKY),
                new Parallel(List.of(
                        List.of(new MaxPool(3, 4, 4, 2, 2)),
                        List.of(new Conv(3, 4, 4, 2, 2, 2, 2, 0, 0, floats(rnd, 24), floats(rnd, 8)))),
                        Join.CONCAT, floats(rnd, 20)),
                new Activation(LEAKY),
                new Flatten(5, 2, 2),
                dense(rnd, 20, 2)));
    }

    private static List<FoldedNetwork> nets(Random rnd) {
        return List.of(residualMlp(rnd), residualCnn(rnd, true));
    }

    @Test
    void theGradientIsTheSlopeOfThePiece() {
        Random rnd = new Random(21);
        for (FoldedNetwork net : nets(rnd)) {
            FoldedNetworkTest.assertGradientIsTheSlope(net, rnd);
        }
    }

    @Test
    void theDjlExportComputesWhatTheDoubleEvaluationComputes() {
        Random rnd = new Random(23);
        for (FoldedNetwork net : List.of(residualMlp(rnd), residualCnn(rnd, false))) {
            int d = net.inputDimension();
            double[][] xs = points(rnd, 4, d, 1);
            try (NDManager manager = NDManager.newBaseManager()) {
                SequentialBlock block = net.block(manager);
                float[] flat = new float[4 * d];
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < d; j++) {
                        flat[i * d + j] = (float) xs[i][j];
                    }
                }
                float[] y = block.forward(new ParameterStore(manager, false),
                        new NDList(manager.create(flat, new Shape(4, d))), false).head().toFloatArray();
                for (int i = 0; i < 4; i++) {
                    double[] expected = net.evaluate(xs[i]);
                    for (int k = 0; k < 2; k++) {
                        assertThat((double) y[i * 2 + k]).isCloseTo(expected[k], Offset.offset(1e-4));
                    }
                }
            }
        }
    }

    @Test
    void exactAndRigorousPatternsAreTheDoubleOnesInEvaluationOrder() {
        Random rnd = new Random(25);
        for (FoldedNetwork net : nets(rnd)) {
            ExactEval exact = new ExactEval(net);
            BoundedEval bounded = new BoundedEval(net);
            for (double[] x : points(rnd, 5, net.inputDimension(), 1)) {
                Pattern e = exact.pattern(x);
                Pattern b = bounded.pattern(x, exact);
                for (int l = 0; l < e.sign.length; l++) {
                    assertThat(b.sign[l]).as("rigorous double signs, layer " + l).isEqualTo(e.sign[l]);
                }
                for (int p = 0; p < e.maxima.length; p++) {
                    assertThat(b.maxima[p]).as("rigorous double winners, pool " + p).isEqualTo(e.maxima[p]);
                }
                List<double[]> pre = net.preActivations(x);
                assertThat(pre).hasSize(net.hiddenLayers());
                for (int l = 0; l < pre.size(); l++) {
                    for (int u = 0; u < pre.get(l).length; u++) {
                        assertThat(e.pre[l][u]).isCloseTo(pre.get(l)[u], Offset.offset(1e-12));
                        assertThat((int) e.sign[l][u]).isEqualTo((int) Math.signum(pre.get(l)[u]));
                    }
                }
            }
        }
    }

    /**
     * On a small box around a point no unit and no window changes: both certificates hold, their
     * maps agree with each other and with the double gradient (the exact backward through the
     * branches against the double one), and reproduce the network.
     */
    @Test
    void bothCertificatesReadTheGraph() {
        Random rnd = new Random(27);
        for (FoldedNetwork net : nets(rnd)) {
            int d = net.inputDimension();
            double[] c = points(rnd, 1, d, 1)[0];
            double r = 1e-6;
            double[][] vertices = segment(c, rnd, r);
            Certificate exact = Certifier.certify(net, vertices, new double[][] {c});
            assertThat(exact.certified()).as(exact.summary()).isTrue();
            assertThat(exact.hiddenLayers()).isEqualTo(net.hiddenLayers());
            assertThat(exact.vertexDeviation()).isLessThan(1e-9);
            assertThat(exact.interiorDeviation()).isLessThan(1e-9);
            Certificate sequential = Certifier.builder().optFastPath(false).optParallel(false).build().run(net, vertices, null);
            assertThat(sequential.a()).isEqualTo(exact.a());
            assertThat(sequential.b()).isEqualTo(exact.b());
            for (int k = 0; k < 2; k++) {
                double[] e = new double[2];
                e[k] = 1;
                double[] g = DoubleEval.gradient(net, c, e).gradient();
                for (int i = 0; i < d; i++) {
                    assertThat(exact.a()[k][i]).isCloseTo(g[i], Offset.offset(1e-12));
                }
            }
            Certificate support = SupportCertifier.certify(net, Box.linf(c, r), new double[][] {c});
            assertThat(support.certified()).as(support.summary()).isTrue();
            assertThat(support.unitsChecked()).isEqualTo(exact.unitsChecked());
            for (int k = 0; k < 2; k++) {
                assertThat(support.b()[k]).isCloseTo(exact.b()[k], Offset.offset(1e-9));
                for (int i = 0; i < d; i++) {
                    assertThat(support.a()[k][i]).isCloseTo(exact.a()[k][i], Offset.offset(1e-9));
                }
            }
            Certificate wide = Certifier.certify(net, points(rnd, 40, d, 3), null);
            assertThat(wide.certified()).isFalse();
        }
    }

    /**
     * A bias moved so that one unit's pre-activation is 0 at the centre of a segment makes that
     * unit straddle the kink on it: the certificate names exactly that unit, whether the bias is
     * the join's (the unit after the sum) or a layer's inside a branch.
     */
    @Test
    void aBrokenBiasInsideABranchOrAfterAJoinIsFound() {
        Random rnd = new Random(29);
        FoldedNetwork net = residualMlp(rnd);
        double[] c = points(rnd, 1, 3, 1)[0];
        double[][] segment = segment(c, rnd, 1e-3);
        assertThat(Certifier.certify(net, segment, null).certified()).as("the unbroken network").isTrue();
        List<double[]> pre = net.preActivations(c);

        // after the join: activation 2 reads the sum's output
        Parallel sum = (Parallel) net.layers().get(2);
        int u = 1;
        float[] joinBias = sum.bias().clone();
        joinBias[u] -= (float) pre.get(2)[u];
        assertFoundAt(net.with(2, sum.withBias(joinBias)), segment, 2, u);

        // inside a branch: activation 1 reads the residual branch's first dense layer
        Layer.Dense inner = (Layer.Dense) sum.branches().get(0).get(0);
        int v = 3;
        float[] innerBias = inner.bias().clone();
        innerBias[v] -= (float) pre.get(1)[v];
        assertFoundAt(net.with(2, sum.with(0, 0, inner.withBias(innerBias))), segment, 1, v);

        // a join nested in a branch of a concatenation: activation 4 (after the concat), unit 2 + 2
        Parallel concat = (Parallel) net.layers().get(4);
        Parallel nested = (Parallel) concat.branches().get(1).get(2);
        float[] nestedBias = nested.bias().clone();
        nestedBias[0] -= (float) pre.get(4)[2];
        assertFoundAt(net.with(4, concat.with(1, 2, nested.withBias(nestedBias))), segment, 4, 2);
    }

    private static void assertFoundAt(FoldedNetwork broken, double[][] vertices, int layer, int unit) {
        for (boolean fast : new boolean[] {true, false}) {
            Certificate c = Certifier.builder().optFastPath(fast).build().run(broken, vertices, null);
            assertThat(c.certified()).isFalse();
            assertThat(c.firstViolation().layer()).isEqualTo(layer);
            assertThat(c.firstViolation().unit()).isEqualTo(unit);
            assertThat(c.firstViolation().min()).isNegative();
            assertThat(c.firstViolation().max()).isPositive();
        }
    }

    @Test
    void branchesThatDoNotFitAreRefusedNamingTheBranch() {
        Random rnd = new Random(31);
        assertThatThrownBy(() -> new FoldedNetwork(new Shape(4), List.of(
                        new Parallel(List.of(List.of(dense(rnd, 4, 3)), List.of()), Join.SUM, new float[3]),
                        dense(rnd, 3, 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 0: branch 1 writes 4 values, branch 0 writes 3");
        assertThatThrownBy(() -> new FoldedNetwork(new Shape(4), List.of(
                        new Parallel(List.of(List.of(dense(rnd, 4, 3)), List.of(dense(rnd, 5, 3))), Join.SUM, new float[3]),
                        dense(rnd, 3, 1))))
                .hasMessageContaining("layer 0 branch 1 layer 0 (Dense) reads 5 values, expected 4");
        assertThatThrownBy(() -> new FoldedNetwork(new Shape(4), List.of(
                        new Parallel(List.of(List.of(dense(rnd, 4, 3)), List.of()), Join.CONCAT, new float[3]),
                        dense(rnd, 7, 1))))
                .hasMessageContaining("bias has 3 entries, expected one per joined value (7)");
        assertThatThrownBy(() -> new Parallel(List.of(), Join.SUM, new float[0]))
                .hasMessageContaining("branches: [], expected at least one branch");
    }

    /** Two vertices {@code c +/- r v} along a random unit direction v. */
    private static double[][] segment(double[] c, Random rnd, double r) {
        double[] v = points(rnd, 1, c.length, 1)[0];
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        double[][] s = {c.clone(), c.clone()};
        for (int j = 0; j < c.length; j++) {
            s[0][j] += r * v[j] / norm;
            s[1][j] -= r * v[j] / norm;
        }
        return s;
    }
}
