package org.police4j.guarantee;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certifier;
import org.police4j.conv.PolicedConvNet;
import org.police4j.conv.TrainedCnnTestAccess;
import org.police4j.region.VertexRegion;

/**
 * The CNN keeps its certificate at every input scale. Before the conv path had the rounding guard,
 * the CNN below, trained 60 steps on images scaled to [0, 4096] (the region scaled with them), had
 * 4 units straddling the kink in the exact check of its folded float32 network, and 23 at [0,
 * 65536]; the guard now widens each unit's margin (and each pool window's) by the rounding bound.
 */
class ConvRoundingGuardTest {

    @Test
    void cnnTrainedOnLargeInputsCertifiesExactly() throws Exception {
        List<String> failures = new ArrayList<>();
        for (float scale : new float[] {1f, 4096f, 65536f}) {
            Certificate cert = trainAndCertify(scale, true);
            if (!cert.certified()) {
                failures.add("scale " + scale + ": " + cert.summary());
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void withoutTheGuardTheSameSettingFails() throws Exception {
        // the setting above is hard enough to need the guard
        assertThat(trainAndCertify(65536f, false).certified()).isFalse();
    }

    private static Certificate trainAndCertify(float scale, boolean guard) throws Exception {
        int n = TrainedCnnTestAccess.N;
        float[] labels = new float[n];
        float[] data = TrainedCnnTestAccess.images(n, labels, 2023);
        for (int i = 0; i < data.length; i++) {
            data[i] *= scale;
        }
        double[][] v = TrainedCnnTestAccess.region(data, 0).vertices();
        for (double[] row : v) {
            for (int i = 0; i < row.length; i++) {
                row[i] = data[i] + (row[i] - data[i]) * scale;
            }
        }
        VertexRegion region = VertexRegion.of("8-pixel l1 ball, scaled", v);
        PolicedConvNet net = PolicedConvNet.builder()
                .setInput(1, 28, 28)
                .conv(4, 3)
                .maxPool(2, 2)
                .conv(8, 3)
                .globalAvgPool()
                .dense(16)
                .outputs(2)
                .setRegion(region)
                .optRoundingGuard(guard)
                .build();
        return Certifier.certify(TrainedCnnTestAccess.trainAndFold(net, data, labels, 60), region.vertices(), new double[0][]);
    }
}
