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
import org.police4j.testing.ConstantCollection;

/**
 * A box's tracked map through an overlapping, padded max-pool: the pool shift's temporaries (the
 * map's rows per window slot, the box's {@code |A|}) have their handles closed as soon as they are
 * used, while autograd still holds what backward reads. Trained twice, once with the collector
 * running nonstop beside it (which frees and reuses any memory a closed array left behind), the
 * folded networks are the same bits, and both certificates certify them.
 */
class SupportMapTemporariesTest {

    @Test
    void trainingThroughAnOverlappingPoolOnABoxIsTheSameUnderConstantCollection() throws InterruptedException {
        Random rnd = new Random(5);
        Box box = Box.linf(SupportCertifierCnnTest.box(rnd).center(), 0.25);
        FoldedNetwork quiet = train(box);
        FoldedNetwork collected = ConstantCollection.during(() -> train(box));
        double[][] points = box.sample(32, new Random(9));
        for (double[] x : points) {
            assertThat(collected.evaluate(x)).as("outputs at %s", java.util.Arrays.toString(x))
                    .containsExactly(quiet.evaluate(x));
        }
        Certificate[] c = SupportCertifierCnnTest.both(quiet, box, box.sample(16, new Random(3)));
        assertThat(c[0].certified()).as(c[0].summary()).isTrue();
    }

    private static FoldedNetwork train(Box box) {
        PolicedConvNet net = PolicedConvNet.builder().optActivation(Cpa.relu()).setRegion(box).setInput(1, 3, 3)
                .conv(4, 2, 1, 1).maxPool(3, 3, 2, 2, 1, 1).flatten().dense(6).outputs(2).build();
        List<PolicedConvNet> seen = new ArrayList<>();
        FoldedNetwork folded = ConvOnSupportRegionTest.trainAndFold(net, box, 1, 17, seen::add);
        assertThat(seen.get(0).usesVertexRows(0)).as("the box travels as a tracked map").isFalse();
        return folded;
    }
}
