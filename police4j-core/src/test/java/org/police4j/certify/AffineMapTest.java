package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.police4j.network.Layer.Dense;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;

/** Random networks POLICEd on a random simplex: certified, and the map is the network there. */
class AffineMapTest {

    private static final List<Cpa> ACTIVATIONS = List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.abs());

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void policedNetworkIsCertifiedAndItsMapIsTheNetwork(int seed) {
        Random rnd = new Random(seed);
        for (Cpa act : ACTIVATIONS) {
            int d = 1 + rnd.nextInt(4);
            int[] widths = {4 + rnd.nextInt(12), 4 + rnd.nextInt(12), 4 + rnd.nextInt(12)};
            double[][] simplex = Nets.randomPoints(rnd, d + 1, d);
            double[][] inside = Nets.convexCombinations(rnd, simplex, 50);
            FoldedNetwork net =
                    Nets.policed(rnd, Nets.randomNet(rnd, act, d, widths, 3), simplex, 0.7);

            Certifier.Analysis fast = Certifier.builder().build().analyze(net, simplex, inside);
            Certificate cert = fast.certificate;
            assertThat(cert.certified()).as(cert.summary()).isTrue();
            assertThat(cert.unitsChecked()).isEqualTo(widths[0] + widths[1] + widths[2]);
            assertThat(cert.interiorPoints()).isEqualTo(50);
            Checks.reproduces(cert, net, simplex);
            Checks.reproduces(cert, net, inside);
            assertThat(cert.vertexDeviation()).isLessThan(1e-9);
            assertThat(cert.interiorDeviation()).isLessThan(1e-9);
            assertThat(cert.a()).hasNumberOfRows(3);
            assertThat(cert.a()[0]).hasSize(d);
            // the map agrees with a plain double composition of the layers on the sides found
            double[][][] ab = doubleMap(net, fast.sides);
            for (int k = 0; k < 3; k++) {
                for (int j = 0; j < d; j++) {
                    assertThat(cert.a()[k][j]).isCloseTo(ab[0][k][j],
                            org.assertj.core.data.Offset.offset(1e-12));
                }
                assertThat(cert.b()[k]).isCloseTo(ab[1][0][k],
                        org.assertj.core.data.Offset.offset(1e-12));
            }
            Checks.sameAsExact(fast,
                    Certifier.builder().optFastPath(false).build().analyze(net, simplex, inside));

            // one deliberately straddling unit is refused, and found first
            // (a random unit of a random layer, else of a shallower layer, else of layer 0)
            int layer = rnd.nextInt(3);
            int unit = rnd.nextInt(widths[layer]);
            FoldedNetwork bent = Nets.straddling(net, simplex, layer, unit);
            while (bent == null && (layer > 0 || unit > 0)) {
                if (layer > 0) {
                    layer--;
                } else {
                    unit--;
                }
                unit = Math.min(unit, widths[layer] - 1);
                bent = Nets.straddling(net, simplex, layer, unit);
            }
            assertThat(bent).as("some unit can be made to straddle").isNotNull();
            {
                Certifier.Analysis refused =
                        Certifier.builder().build().analyze(bent, simplex, inside);
                assertThat(refused.certificate.certified()).isFalse();
                assertThat(refused.certificate.firstViolation().layer()).isEqualTo(layer);
                assertThat(refused.certificate.firstViolation().unit()).isEqualTo(unit);
                assertThat(refused.certificate.offendingUnits()).isGreaterThanOrEqualTo(1);
                Checks.sameAsExact(refused,
                        Certifier.builder().optFastPath(false).build().analyze(bent, simplex, inside));
            }
        }
    }

    /** A, b by composing the layers in double with the given sides (an independent oracle). */
    private static double[][][] doubleMap(FoldedNetwork net, int[][] sides) {
        int d = net.inputDimension();
        double[][] a = new double[d][d];
        for (int j = 0; j < d; j++) {
            a[j][j] = 1;
        }
        double[] b = new double[d];
        List<Dense> hidden = net.hidden();
        for (int l = 0; l <= hidden.size(); l++) {
            Dense layer = l < hidden.size() ? hidden.get(l) : net.head();
            int out = layer.outputs();
            double[][] na = new double[out][d];
            double[] nb = new double[out];
            for (int k = 0; k < out; k++) {
                double slope = l < hidden.size() ? net.activation().slope(sides[l][k]) : 1;
                nb[k] = layer.bias()[k];
                for (int i = 0; i < b.length; i++) {
                    nb[k] += layer.weight()[k][i] * b[i];
                    for (int j = 0; j < d; j++) {
                        na[k][j] += layer.weight()[k][i] * a[i][j];
                    }
                }
                nb[k] *= slope;
                for (int j = 0; j < d; j++) {
                    na[k][j] *= slope;
                }
            }
            a = na;
            b = nb;
        }
        return new double[][][] {a, {b}};
    }
}
