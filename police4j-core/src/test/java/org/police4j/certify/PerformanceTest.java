package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.police4j.network.Layer.Dense;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;

/**
 * The brief's performance case: P = 50 vertices in 2-D, 4 hidden layers of width 256, float
 * weights and biases ~ U(-1/16, 1/16). The default certifier (double fast path with exact
 * fallback, parallel) must finish in well under 10 s; the timings are printed.
 */
class PerformanceTest {

    static final int P = 50;
    static final int D = 2;
    static final int DEPTH = 4;
    static final int WIDTH = 256;

    static FoldedNetwork bigNet(Random rnd, Cpa act) {
        List<Dense> hidden = new ArrayList<>();
        int in = D;
        for (int l = 0; l < DEPTH; l++) {
            hidden.add(Nets.randomLayer(rnd, in, WIDTH, 1.0 / 16));
            in = WIDTH;
        }
        return FoldedNetwork.mlp(hidden, Nets.randomLayer(rnd, in, 2, 1.0 / 16), act);
    }

    static double time(Certifier c, FoldedNetwork net, double[][] v, double[][] inside,
            String label) {
        long t0 = System.nanoTime();
        Certifier.Analysis an = c.analyze(net, v, inside);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT,
                "[certify perf] %-40s %7.3f s  certified=%b offending=%d exactVertices=%d"
                        + " vertexDev=%.2e%n",
                label, s, an.certificate.certified(), an.certificate.offendingUnits(),
                an.exactVertices, an.certificate.vertexDeviation());
        return s;
    }

    @Test
    void fiftyVerticesThroughFourLayersOf256() {
        Certifier fast = Certifier.builder().build();
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.abs())) {
            Random rnd = new Random(50);
            FoldedNetwork net = bigNet(rnd, act);
            double[][] v = Nets.randomPoints(rnd, P, D);
            double[][] inside = Nets.convexCombinations(rnd, v, 100);
            time(fast, net, v, inside, act.id() + " random, fast path"); // printed, not asserted: speed is for benchmarks
            FoldedNetwork policed = Nets.policed(rnd, net, v, 0.7);
            time(fast, policed, v, inside, act.id() + " POLICEd, fast path");
            Certificate cert = fast.run(policed, v, inside);
            assertThat(cert.certified()).isTrue();
            assertThat(cert.vertexDeviation()).isLessThan(1e-9);
            assertThat(cert.interiorDeviation()).isLessThan(1e-9);
        }
    }

    /** The pure exact path on the same case; opt in with -Dpolice4j.slow=true. */
    @Test
    @EnabledIfSystemProperty(named = "police4j.slow", matches = "true")
    void fiftyVerticesThroughFourLayersOf256PureExact() {
        Certifier exact = Certifier.builder().optFastPath(false).build();
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.abs())) {
            Random rnd = new Random(50);
            FoldedNetwork net = bigNet(rnd, act);
            double[][] v = Nets.randomPoints(rnd, P, D);
            double[][] inside = Nets.convexCombinations(rnd, v, 100);
            time(exact, net, v, inside, act.id() + " random, pure exact");
            FoldedNetwork policed = Nets.policed(rnd, net, v, 0.7);
            time(exact, policed, v, inside, act.id() + " POLICEd, pure exact");
        }
    }
}
