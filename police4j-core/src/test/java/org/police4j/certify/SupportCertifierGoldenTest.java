package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer.Dense;
import org.police4j.region.Box;
import org.police4j.region.SupportRegion;

/**
 * The support certificate of dense networks, bit for bit: verdicts, counts, violation bounds,
 * map uncertainty and the map itself (as a fingerprint of its bits) on seeded networks, against
 * values computed by the certifier as it was before its interval enclosure moved to the network
 * package (commit 7028086). A change of the enclosure's arithmetic, even in the last bit, fails here.
 */
class SupportCertifierGoldenTest {

    /** One seeded case: its description and the certificate's fingerprint as it was computed. */
    private record Case(String name, FoldedNetwork net, SupportRegion region) {}

    /**
     * The fingerprints computed before the move: name, certified, hiddenLayers, unitsChecked,
     * offendingUnits, violation (layer, unit, bits of min and max) or "-", bits of mapUncertainty,
     * and a hash of the bits of a and b.
     */
    private static final String[] EXPECTED = {
        "relu kind 0 sided|true|2|22|0|-|3d00b398cdb4641b|4f2385b87e691ed0",
        "relu kind 0 plain|false|1|12|2|0/2/bf92b8849a99a9a9/3fcc8f1b3caccb36|3cf2d8aa45a3934e|6b3a35c04780bea1",
        "relu kind 1 sided|true|2|22|0|-|3cf38906e2136bf1|93058a1863dd66f9",
        "relu kind 1 plain|false|2|22|1|1/7/bf7171138cd19edb/3fa0a62e4c7adf44|3ce99be58e899431|3f1451884c7a36c5",
        "relu kind 2 sided|true|2|22|0|-|3cee50f0252cca30|2f0d8860da2add52",
        "relu kind 2 plain|false|1|12|5|0/0/bfb2267839b3d6da/3fb5a620694c29da|3cf07f8702a38f57|ffd60056400bf85d",
        "leaky_relu kind 0 sided|true|2|22|0|-|3cf72964e3d1b311|2c97c9d6d21fc67d",
        "leaky_relu kind 0 plain|true|2|22|0|-|3cf9741b6f96d842|7cdfcbe9ac492f43",
        "leaky_relu kind 1 sided|true|2|22|0|-|3ce104c9767fd8e1|7926e64296b139d",
        "leaky_relu kind 1 plain|true|2|22|0|-|3cdb4101d9f988f8|ff992f2f37575602",
        "leaky_relu kind 2 sided|true|2|22|0|-|3cebdbc5cf770352|2850de1706d5918a",
        "leaky_relu kind 2 plain|false|1|12|2|0/6/bfb5a09a39fe6b16/3fb0f520352d9596|3ce8c63ef7184007|c5544b8f8221652a",
        "abs kind 0 sided|true|2|22|0|-|3d055785513c20ac|8e229c0a757f7956",
        "abs kind 0 plain|false|1|12|2|0/6/bf8f4ddd8ebc8671/3fced68a811437e8|3d06cb9040539fb5|4396f79843477dc1",
        "abs kind 1 sided|true|2|22|0|-|3d01cafd2913ea61|e6d9cd70ada3a842",
        "abs kind 1 plain|false|1|12|2|0/7/bfa1b7a0dbaa928c/3fad0ce464556e8c|3d04c8239a732d67|14ae1037e67b4839",
        "abs kind 2 sided|true|2|22|0|-|3d04137ff4457677|286fc8e3672d2a4b",
        "abs kind 2 plain|false|1|12|2|0/3/bfb406a88effea46/3fa7213279202c8b|3d07b2c228109ccf|3991887f7371b595",
        "relu 100-D sided|true|2|112|0|-|3d50f63d79e7557a|65aa3527d214487c",
        "relu 100-D plain|false|1|64|6|0/18/bf915e0b2f1b0e29/3fb7c452682fc9e4|3d4d8e7aa41643c2|aab2fc14bd319761",
        "leaky_relu 100-D sided|true|2|112|0|-|3d584589bd883ffc|fa0aedfb0b5786a4",
        "leaky_relu 100-D plain|false|1|64|9|0/1/bfb40092cd551efe/3fa04604d8e02411|3d456a6b72e4524f|87ea2aab1c4f8250",
        "relu constant units|true|2|16|0|-|3cdd12d69bb26e95|814c0ae2afb4ce4c",
        "leaky_relu constant units|false|2|16|1|1/2/bfa2178e54c048a7/3f9d2e38132007d6|3cd18531226adf47|8f7f17cd5ffcbbf",
        "abs constant units|false|2|16|1|1/3/bfa9b1c2238a1ae1/3fc7cbc6572ca2a9|3ce8512d08b29999|2ea5b7891bf05809",
    };

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        Random rnd = new Random(140);
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.abs())) {
            for (int kind = 0; kind < 3; kind++) {
                SupportRegion region = SupportCertifierTest.region(rnd, kind, 6);
                FoldedNetwork plain = Nets.randomNet(rnd, act, 6, new int[] {12, 10}, 3);
                cases.add(new Case(act.id() + " kind " + kind + " sided", SupportCertifierTest.sided(rnd, plain, region), region));
                cases.add(new Case(act.id() + " kind " + kind + " plain", plain, region));
            }
        }
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu())) {
            double[] m = new double[100];
            for (int j = 0; j < m.length; j++) {
                m[j] = rnd.nextDouble();
            }
            Box box = Box.linf(m, 0.01);
            FoldedNetwork plain = Nets.randomNet(rnd, act, 100, new int[] {64, 48}, 5);
            cases.add(new Case(act.id() + " 100-D sided", SupportCertifierTest.sided(rnd, plain, box), box));
            cases.add(new Case(act.id() + " 100-D plain", plain, box));
        }
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu(), Cpa.abs())) {
            // exactly constant units: zero weight rows in both hidden layers (exact zeros and constants)
            SupportRegion region = SupportCertifierTest.region(rnd, 0, 5);
            FoldedNetwork net = SupportCertifierTest.sided(rnd, Nets.randomNet(rnd, act, 5, new int[] {8, 8}, 2), region);
            List<Dense> hidden = new ArrayList<>();
            for (Dense layer : net.hidden()) {
                float[][] w = new float[layer.outputs()][];
                for (int k = 0; k < w.length; k++) {
                    w[k] = k < 2 ? new float[layer.inputs()] : layer.weight()[k];
                }
                float[] b = layer.bias().clone();
                b[0] = 0f;
                b[1] = act.negativeSlope() == 0 ? -0.5f : 0.5f;
                hidden.add(new Dense(w, b));
            }
            cases.add(new Case(act.id() + " constant units", FoldedNetwork.mlp(hidden, net.head(), act), region));
        }
        return cases;
    }

    private static String fingerprint(Case c) {
        SupportCertifier.Result res = SupportCertifier.analyze(c.net(), c.region(), null);
        Certificate cert = res.certificate();
        long h = 1125899906842597L;
        for (double[] row : cert.a()) {
            for (double v : row) {
                h = 31 * h + Double.doubleToRawLongBits(v);
            }
        }
        for (double v : cert.b()) {
            h = 31 * h + Double.doubleToRawLongBits(v);
        }
        Violation v = cert.firstViolation();
        String violation = v == null ? "-"
                : v.layer() + "/" + v.unit() + "/" + Long.toHexString(Double.doubleToRawLongBits(v.min())) + "/"
                        + Long.toHexString(Double.doubleToRawLongBits(v.max()));
        return String.format(Locale.ROOT, "%s|%b|%d|%d|%d|%s|%s|%s", c.name(), cert.certified(), cert.hiddenLayers(),
                cert.unitsChecked(), cert.offendingUnits(), violation,
                Long.toHexString(Double.doubleToRawLongBits(res.mapUncertainty())), Long.toHexString(h));
    }

    @Test
    void denseCertificatesAreBitIdenticalToTheOnesComputedBeforeTheMove() {
        List<Case> cases = cases();
        List<String> got = new ArrayList<>();
        for (Case c : cases) {
            got.add(fingerprint(c));
        }
        assertThat(got).containsExactly(EXPECTED);
        assertThat(got.stream().filter(s -> s.contains("|true|")).count()).as("certified cases").isGreaterThan(5);
        assertThat(got.stream().filter(s -> s.contains("|false|")).count()).as("refused cases").isGreaterThan(5);
    }
}
