package org.police4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Nets;
import org.police4j.train.Fit;
import org.police4j.train.FitResult;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/** The paper's Eq. (1) and (2): a prescribed affine map on R, exact and as a penalty. */
class AffineTargetTest {

    static final double[][] A = {{0.5, -0.25}};
    static final double[] B = {0.125};

    /** A wavy target that disagrees with the prescribed plane, to make the constraint bite. */
    static double[][][] data() {
        int n = 16;
        double[][] x = new double[n * n][];
        double[][] y = new double[n * n][1];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double a = -3 + 6.0 * i / (n - 1);
                double b = -3 + 6.0 * j / (n - 1);
                x[i * n + j] = new double[] {a, b};
                y[i * n + j][0] = Math.cos(2 * a) * Math.cos(b);
            }
        }
        return new double[][][] {x, y};
    }

    static Object[] train(AffineTarget target, VertexRegion region, int[] hidden) {
        double[][][] d = data();
        try (Model model = Model.newInstance("target");
                NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block =
                    PolicedMlp.builder().setRegion(region).setHidden(hidden).setOutputs(1).optAffineTarget(target).build();
            model.setBlock(block);
            FitResult r =
                    Fit.create()
                            .fit(model, Nets.matrix(manager, d[0]), Nets.matrix(manager, d[1]),
                                    TrainingSettings.paper(150, 5e-3, 0, 3, 0.3, LossKind.MSE, 5));
            return new Object[] {Certify.policed(block, Certify.Options.defaults().optInteriorSamples(200).optSeed(3)), r, block.targetRankDeficient()};
        }
    }

    @Test
    void exactFormGivesTheTargetMapOnTheRegion() {
        Object[] out = train(AffineTarget.exact(A, B), Regions.paperTriangle(), new int[] {32, 32});
        Certificate cert = (Certificate) out[0];
        FitResult fit = (FitResult) out[1];
        assertThat(cert.certified()).isTrue();
        double da = Math.max(Math.abs(cert.a()[0][0] - A[0][0]), Math.abs(cert.a()[0][1] - A[0][1]));
        double db = Math.abs(cert.b()[0] - B[0]);
        System.out.printf("affine target exact: |A-A*| = %.2e, |b-b*| = %.2e, final loss %.4f%n", da, db, fit.finalLoss());
        assertThat(da).isLessThan(1e-5);
        assertThat(db).isLessThan(1e-5);
        assertThat((boolean) out[2]).isFalse();
    }

    @Test
    void jacobianOnlyLeavesTheOffsetFree() {
        Object[] out = train(AffineTarget.jacobian(A), Regions.paperTriangle(), new int[] {32, 32});
        Certificate cert = (Certificate) out[0];
        assertThat(cert.certified()).isTrue();
        assertThat(cert.a()[0][0]).isCloseTo(A[0][0], org.assertj.core.data.Offset.offset(1e-5));
        assertThat(cert.a()[0][1]).isCloseTo(A[0][1], org.assertj.core.data.Offset.offset(1e-5));
        assertThat(Math.abs(cert.b()[0] - B[0])).isGreaterThan(1e-3);
    }

    @Test
    void penaltyFormApproachesTheTarget() {
        Object[] exact = train(AffineTarget.exact(A, B), Regions.paperTriangle(), new int[] {32, 32});
        Object[] penalty = train(AffineTarget.penalty(A, B, 100), Regions.paperTriangle(), new int[] {32, 32});
        Certificate cert = (Certificate) penalty[0];
        double da = Math.max(Math.abs(cert.a()[0][0] - A[0][0]), Math.abs(cert.a()[0][1] - A[0][1]));
        double db = Math.abs(cert.b()[0] - B[0]);
        System.out.printf(
                "affine target penalty(100): |A-A*| = %.2e, |b-b*| = %.2e, final loss %.4f (exact form: %.4f)%n",
                da, db, ((FitResult) penalty[1]).finalLoss(), ((FitResult) exact[1]).finalLoss());
        assertThat(cert.certified()).isTrue();
        assertThat(da).isLessThan(0.1);
    }

    @Test
    void aLowerDimensionalRegionOnlyConstrainsItsHull() {
        VertexRegion segment = VertexRegion.of("segment", new double[][] {{-1, -1}, {1, 1}});
        Object[] out = train(AffineTarget.exact(A, B), segment, new int[] {16, 16});
        Certificate cert = (Certificate) out[0];
        // along the segment direction (1,1)/sqrt2 the slope is A.(1,1) = 0.25; at the centre f = b*
        double along = cert.a()[0][0] + cert.a()[0][1];
        assertThat(along).isCloseTo(0.25, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(cert.b()[0]).isCloseTo(B[0], org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void aRankDeficientLastLayerIsReported() {
        // One hidden unit cannot carry a 2-D Jacobian: least squares, and the flag says so.
        Object[] out = train(AffineTarget.exact(A, B), Regions.paperTriangle(), new int[] {8, 1});
        assertThat((boolean) out[2]).isTrue();
    }

    @Test
    void theTargetSurvivesSaveAndLoad(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        try (Model model = Model.newInstance("io"); NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder().setRegion(Regions.paperTriangle()).setHidden(8, 8).setOutputs(1)
                    .optAffineTarget(AffineTarget.exact(A, B)).build();
            Fit.initialize(block, model, 3);
            org.police4j.io.ModelIo.save(block, dir.resolve("m"), null);
            PolicedMlp loaded = org.police4j.io.ModelIo.load(dir.resolve("m"), manager).block();
            assertThat(loaded.affineTarget().a()).isDeepEqualTo(A);
            assertThat(loaded.affineTarget().b()).containsExactly(B);
            var x = Nets.matrix(manager, data()[0]);
            var ps = new ai.djl.training.ParameterStore(manager, false);
            assertThat(loaded.forward(ps, new ai.djl.ndarray.NDList(x), false).head().toFloatArray())
                    .isEqualTo(block.forward(ps, new ai.djl.ndarray.NDList(x), false).head().toFloatArray());
        }
    }

    @Test
    void targetsOfTheWrongShapeAreRefused() {
        assertThatThrownBy(() -> PolicedMlp.builder().setRegion(Regions.paperTriangle()).setHidden(4).setOutputs(2)
                        .optAffineTarget(AffineTarget.exact(A, B)).build())
                .hasMessageContaining("affineTarget: A has 1 rows, expected 2");
        assertThatThrownBy(() -> PolicedMlp.builder().setRegion(Regions.simplex(3)).setHidden(4).setOutputs(1)
                        .optAffineTarget(AffineTarget.exact(A, B)).build())
                .hasMessageContaining("A has 2 columns, expected the region's dimension 3");
        assertThatThrownBy(() -> AffineTarget.exact(new double[][] {{Double.NaN, 0}}, null))
                .hasMessageContaining("a: row 0, column 0 is NaN; expected a finite value a float32 can hold");
    }
}
