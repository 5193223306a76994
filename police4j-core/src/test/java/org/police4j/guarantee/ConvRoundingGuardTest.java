package org.police4j.guarantee;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
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

    /**
     * The same for a 1-D network (each image's rows as 28 channels of length 28) with per-axis
     * stencils (kernel (1, 3), strides (1, 1) and (1, 2), padding (0, 1)) and (1, 2) pool windows:
     * the guard's sums over the rectangular stencil and windows keep the certificate at scale 4096,
     * where without the guard 6 of its 232 units straddle the kink.
     */
    @Test
    void oneDimensionalCnnTrainedOnLargeInputsCertifiesExactly() throws Exception {
        Certificate cert = trainAndCertify1d(4096f, true);
        assertThat(cert.certified()).as(cert.summary()).isTrue();
        assertThat(trainAndCertify1d(4096f, false).certified()).as("the setting needs the guard").isFalse();
    }

    /**
     * The new layer kinds under the guard: a dilated conv, a padded overlapping max-pool (window 3,
     * stride 2, padding 1: the guard's window margins cover every pair of a window, and the
     * ordered shifts' chains), a grouped conv and a padded average pool, trained 60 steps at
     * scales 1 and 65536, certify exactly; without the guard, 45 of its 2720 units straddle the
     * kink at 65536.
     */
    @Test
    void overlappingPoolsGroupedAndDilatedConvsCertifyAtEveryScale() throws Exception {
        List<String> failures = new ArrayList<>();
        for (float scale : new float[] {1f, 65536f}) {
            Certificate cert = trainAndCertifyNewKinds(scale, true);
            if (!cert.certified()) {
                failures.add("scale " + scale + ": " + cert.summary());
            }
        }
        assertThat(failures).isEmpty();
        assertThat(trainAndCertifyNewKinds(65536f, false).certified()).as("the setting needs the guard").isFalse();
    }

    private static Certificate trainAndCertifyNewKinds(float scale, boolean guard) throws Exception {
        int n = TrainedCnnTestAccess.N;
        float[] labels = new float[n];
        float[] data = TrainedCnnTestAccess.images(n, labels, 2023);
        VertexRegion region = scaled(data, scale);
        PolicedConvNet net = PolicedConvNet.builder()
                .setInput(1, 28, 28)
                .conv(4, 3, 3, 1, 1, 1, 1, 2, 2, 1)
                .maxPool(3, 3, 2, 2, 1, 1)
                .conv(8, 3, 3, 1, 1, 1, 1, 1, 1, 4)
                .avgPool(3, 2, 1)
                .globalAvgPool()
                .dense(16)
                .outputs(2)
                .setRegion(region)
                .optRoundingGuard(guard)
                .build();
        return Certifier.certify(TrainedCnnTestAccess.trainAndFold(net, data, labels, 60, new Shape(1, 28, 28)),
                region.vertices(), new double[0][]);
    }

    private static Certificate trainAndCertify1d(float scale, boolean guard) throws Exception {
        int n = TrainedCnnTestAccess.N;
        float[] labels = new float[n];
        float[] data = TrainedCnnTestAccess.images(n, labels, 2023);
        VertexRegion region = scaled(data, scale);
        PolicedConvNet net = PolicedConvNet.builder()
                .setInput(28, 28)
                .conv1d(6, 3, 1, 1)
                .maxPool1d(2)
                .conv1d(8, 3, 2, 0)
                .globalAvgPool()
                .dense(16)
                .outputs(2)
                .setRegion(region)
                .optRoundingGuard(guard)
                .build();
        return Certifier.certify(TrainedCnnTestAccess.trainAndFold(net, data, labels, 60, new Shape(28, 28)),
                region.vertices(), new double[0][]);
    }

    /** Scales the images in place and returns the region around image 0, scaled with them. */
    private static VertexRegion scaled(float[] data, float scale) {
        for (int i = 0; i < data.length; i++) {
            data[i] *= scale;
        }
        double[][] v = TrainedCnnTestAccess.region(data, 0).vertices();
        for (double[] row : v) {
            for (int i = 0; i < row.length; i++) {
                row[i] = data[i] + (row[i] - data[i]) * scale;
            }
        }
        return VertexRegion.of("8-pixel l1 ball, scaled", v);
    }

    private static Certificate trainAndCertify(float scale, boolean guard) throws Exception {
        int n = TrainedCnnTestAccess.N;
        float[] labels = new float[n];
        float[] data = TrainedCnnTestAccess.images(n, labels, 2023);
        VertexRegion region = scaled(data, scale);
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
