package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.conv.PolicedConvNet;
import org.police4j.engine.Cpa;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.Box;

/**
 * A CNN POLICEd on a box given by its support (the region travels as a tracked affine map through
 * conv, batch-norm, max-pool and average pool; no vertex is listed): after training, the support
 * certificate and the exact certificate on the box's 512 vertices both certify the folded network.
 */
class ConvOnSupportRegionTest {

    static PolicedConvNet build(Cpa act, Box box, boolean deep) {
        PolicedConvNet.Builder b = PolicedConvNet.builder().optActivation(act).setRegion(box).setInput(1, 3, 3);
        if (deep) {
            b.conv(3, 2, 1, 1).batchNorm().maxPool(2, 2).conv(4, 2, 1, 1).globalAvgPool();
        } else {
            b.conv(4, 2, 1, 1).maxPool(2, 2).flatten();
        }
        return b.dense(deep ? 5 : 6).outputs(2).build();
    }

    @Test
    void aCnnTrainedOnABoxIsCertifiedByBothCertificates() {
        List<String> failures = new ArrayList<>();
        for (Cpa act : List.of(Cpa.relu(), Cpa.leakyRelu())) {
            for (boolean deep : new boolean[] {false, true}) {
                Random rnd = new Random(deep ? 21 : 12);
                // radius 2^-1: wide enough that the un-POLICEd network bends on it
                Box box = Box.linf(SupportCertifierCnnTest.box(rnd).center(), 0.5);
                PolicedConvNet net = build(act, box, deep);
                assertThat(net.usesVertexRows(0)).isFalse();
                FoldedNetwork folded = SupportCertifierCnnTest.trainAndFold(net, box, 5);
                double[][] interior = box.sample(16, new Random(3));
                Certificate[] c = SupportCertifierCnnTest.both(folded, box, interior);
                String name = act.id() + (deep ? " deep" : " shallow");
                if (!c[0].certified() || !c[1].certified()) {
                    failures.add(name + ": " + c[0].summary() + " / " + c[1].summary());
                    continue;
                }
                assertThat(c[0].unitsChecked()).as(name).isEqualTo(c[1].unitsChecked());
                assertThat(c[1].interiorDeviation()).as(name).isLessThan(1e-5);
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void theSameNetworksWithoutPoliceBendOnTheBox() {
        // the box is not trivially small: untrained, unshifted networks of the same shapes straddle
        int bent = 0;
        for (boolean deep : new boolean[] {false, true}) {
            Random rnd = new Random(deep ? 21 : 12);
            Box box = Box.linf(SupportCertifierCnnTest.box(rnd).center(), 0.5);
            FoldedNetwork plain = SupportCertifierCnnTest.randomCnn(new Random(deep ? 7 : 8), Cpa.relu(), deep);
            if (!Certifier.certify(plain, box.toVertexRegion(512).vertices(), null).certified()) {
                bent++;
            }
        }
        assertThat(bent).isEqualTo(2);
    }
}
