package org.police4j.guarantee;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.engine.Cpa;
import org.police4j.engine.SignRule;
import org.police4j.fold.Fold;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.VertexRegion;
import org.police4j.testing.ExactChecker;
import org.police4j.train.Fit;
import org.police4j.train.LossKind;
import org.police4j.train.TrainingSettings;

/**
 * Random activations with several kinks (random kinks, slopes that change sign, intercepts),
 * random widths, regions and input scales from 1 to 1000, every sign rule, the shift detached or not,
 * trained a few steps: after every step
 * the independent exact checker finds the fold affine on the region and the certificate agrees.
 */
class SeveralKinksProperties {

    @Property(tries = 24, seed = "2020")
    void randomPiecewiseNetworksStayCertifiedWhileTraining(
            @ForAll @IntRange(min = 1, max = 4) int kinks,
            @ForAll @IntRange(min = 0, max = 3) int scaleExponent,
            @ForAll @IntRange(min = 0, max = 3) int rule,
            @ForAll long seed) {
        Random rng = new Random(seed);
        double[] t = new double[kinks];
        double at = -4 + rng.nextInt(5);
        for (int i = 0; i < kinks; i++) {
            t[i] = at;
            at += 0.5 + rng.nextInt(8) * 0.5;
        }
        double[] a = new double[kinks + 1];
        for (int j = 0; j <= kinks; j++) {
            do {
                a[j] = (rng.nextInt(17) - 8) / 4.0;
            } while (j > 0 && a[j] == a[j - 1]);
        }
        Cpa cpa = Cpa.piecewise(t, a, (rng.nextInt(9) - 4) / 2.0);
        double scale = Math.pow(10, scaleExponent);
        int d = 2 + rng.nextInt(2);
        double[][] vertices = new double[d + 1][d];
        for (double[] v : vertices) {
            for (int j = 0; j < d; j++) {
                v[j] = scale * rng.nextGaussian();
            }
        }
        VertexRegion region = VertexRegion.of("random simplex", vertices);
        try (Model model = Model.newInstance("kinks-property");
                NDManager data = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder()
                    .setHidden(4 + rng.nextInt(8), 4 + rng.nextInt(8))
                    .setOutputs(1 + rng.nextInt(2))
                    .optActivation(cpa)
                    .setRegion(region)
                    .optSignRule(SignRule.values()[rule])
                    .optDetachedShift(rng.nextBoolean()) // the detached shift runs the vertex rows in Java
                    .build();
            model.setBlock(block);
            Engine.getInstance().setRandomSeed((int) seed);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, d));
            int outputs = (int) block.layers().get(block.layers().size() - 1).getOutputShapes(new Shape[] {new Shape(1, 1)})[0].get(1);
            float[] x = new float[32 * d];
            float[] y = new float[32 * outputs];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (scale * rng.nextGaussian());
            }
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) rng.nextGaussian();
            }
            int[] checked = {0};
            Fit.create()
                    .optListener((step, loss, b) -> {
                        ExactChecker.Result exact = ExactChecker.check(Fold.weights(b), region);
                        assertThat(exact.affine()).as("step %d, %s: %s", step, cpa, exact).isTrue();
                        Certificate c = Certify.policed(b, Certify.Options.defaults().optInteriorSamples(0));
                        assertThat(c.certified()).as("step %d, %s: %s", step, cpa, c.summary()).isTrue();
                        checked[0]++;
                    })
                    .fit(model, data.create(x, new Shape(32, d)), data.create(y, new Shape(32, outputs)),
                            new TrainingSettings(3, 0.02, 0, 0, 1, LossKind.MSE, 16, seed));
            assertThat(checked[0]).isEqualTo(3);
        }
    }
}
