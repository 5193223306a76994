package org.police4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.engine.LayerRange;
import org.police4j.engine.ShiftEngine;
import org.police4j.engine.SignRule;
import org.police4j.fold.Fold;
import org.police4j.io.ModelIo;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.VertexRegion;
import org.police4j.train.Fit;
import org.police4j.train.LossKind;
import org.police4j.train.SideFlips;
import org.police4j.train.TrainingSettings;

/**
 * {@link SignRule#HYSTERESIS} keeps state: the sides its units hold. The training forward updates
 * them; inference, the fold, the certificate and a reload read them as they are, so the deployed
 * network is the one training computed, and that network is exactly affine on the region.
 */
class HeldSidesTest {

    private static final VertexRegion TRIANGLE = VertexRegion.of(
            "triangle", new double[][] {{-Math.sqrt(2), -Math.sqrt(2)}, {0, 2}, {Math.sqrt(2), -Math.sqrt(2)}});

    private static PolicedMlp network() {
        return PolicedMlp.builder().setHidden(24, 24, 12).setOutputs(1).setRegion(TRIANGLE)
                .optSignRule(SignRule.HYSTERESIS).build();
    }

    /** A wavy target on [-4, 4]^2 and a high learning rate: units cross the region during training. */
    private static SideFlips train(Model model, PolicedMlp block, NDManager manager, int steps) {
        Engine.getInstance().setRandomSeed(3);
        NDArray x = manager.randomUniform(-4f, 4f, new Shape(256, 2));
        NDArray y = x.get(":, 0").mul(2).sin().mul(x.get(":, 1").cos()).reshape(256, 1);
        model.setBlock(block);
        SideFlips flips = SideFlips.create();
        Fit.create().optListener(flips).fit(model, x, y,
                TrainingSettings.paper(steps, 1e-2, 0.01, 0, 0.3, LossKind.MSE, 11));
        return flips;
    }

    private static float[][] held(PolicedMlp block) {
        List<float[]> sides = new ArrayList<>();
        for (int l = 0; l < block.hiddenWidths().length && block.heldSides(l) != null; l++) {
            sides.add(block.heldSides(l).getArray().toFloatArray());
        }
        return sides.toArray(new float[0][]);
    }

    private static float[] outputs(PolicedMlp block, NDManager manager, NDArray x) {
        return block.forward(new ParameterStore(manager, false), new NDList(x), false).head().toFloatArray();
    }

    @Test
    void trainingDecidesTheSidesAndEverythingElseReadsThem(@TempDir Path tmp) throws Exception {
        try (Model model = Model.newInstance("held"); NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block = network();
            SideFlips flips = train(model, block, manager, 60);
            float[][] held = held(block);
            assertThat(held).hasNumberOfRows(3);
            for (float[] layer : held) {
                for (float s : layer) {
                    // exactly +1 or -1: decided by training, and never touched by the optimiser
                    assertThat(s == 1f || s == -1f).as("held side " + s).isTrue();
                }
            }
            // Inference and the fold read the held sides: the trace's signs are the parameter's.
            PolicedNetwork.Trace trace = block.regionTrace(manager);
            int differFromMidpoint = 0;
            for (int l = 0; l < held.length; l++) {
                assertThat(trace.signs().get(l).toFloatArray()).containsExactly(held[l]);
                // what a rule without memory would pick now on the same vertex pre-activations
                NDArray h = trace.vertexPreActivations().get(l).sub(trace.shifts().get(l));
                float[] fresh = new ShiftEngine(0, SignRule.HYSTERESIS).shift(LayerRange.ofVertices(h), null).hostSigns();
                for (int k = 0; k < fresh.length; k++) {
                    differFromMidpoint += fresh[k] != held[l][k] ? 1 : 0;
                }
            }
            assertThat(differFromMidpoint).as("units holding the side the midpoint would not pick").isPositive();
            // inference does not move the state
            NDArray x = manager.randomUniform(-4f, 4f, new Shape(50, 2));
            float[] out = outputs(block, manager, x);
            assertThat(held(block)).isDeepEqualTo(held);
            // the fold computes the same network, and it is certified affine on the triangle
            FoldedNetwork folded = Fold.weights(block);
            float[] foldedOut = Fold.block(folded, manager).forward(new ParameterStore(manager, false), new NDList(x), false)
                    .head().toFloatArray();
            for (int i = 0; i < out.length; i++) {
                assertThat((double) foldedOut[i]).isCloseTo(out[i], org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(out[i]))));
            }
            Certificate cert = Certify.policed(block);
            assertThat(cert.certified()).as(cert.toString()).isTrue();
            // a reload (police4j's format and DJL's Model.save) gives the same sides and outputs
            ModelIo.save(block, tmp.resolve("m"), null);
            PolicedMlp loaded = ModelIo.load(tmp.resolve("m"), manager).block();
            assertThat(held(loaded)).isDeepEqualTo(held);
            assertThat(outputs(loaded, manager, x)).containsExactly(out);
            assertThat(Certify.policed(loaded).certified()).isTrue();
            model.save(tmp.resolve("djl"), "held");
            try (Model again = Model.newInstance("held")) {
                PolicedMlp fresh = network();
                again.setBlock(fresh);
                again.load(tmp.resolve("djl"), "held");
                assertThat(held(fresh)).isDeepEqualTo(held);
                assertThat(outputs(fresh, manager, x)).containsExactly(out);
            }
            assertThat(flips.comparisons()).isEqualTo(59);
        }
    }

    @Test
    void theStateExistsOnlyForTheRuleThatRemembers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (SignRule rule : SignRule.values()) {
                PolicedMlp block = PolicedMlp.builder().setHidden(4, 3).setOutputs(1).setRegion(TRIANGLE)
                        .optSignRule(rule).build();
                block.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
                Parameter first = block.heldSides(0);
                assertThat(first != null).as(rule.toString()).isEqualTo(rule.remembers());
                assertThat(block.getDirectParameters().size()).isEqualTo(rule.remembers() ? 2 : 0);
                if (first != null) {
                    // before any training no side is held: inference takes the midpoints' sides
                    assertThat(first.getArray().toFloatArray()).containsOnly(0f);
                    assertThat(block.heldSides(1).getArray().getShape()).isEqualTo(new Shape(3));
                }
            }
        }
    }

    @Test
    void sideFlipsCountsTheUnitsThatChangeSide() {
        try (Model model = Model.newInstance("flips"); NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder().setHidden(16, 8).setOutputs(1).setRegion(TRIANGLE)
                    .optSignRule(SignRule.CENTER).build();
            Fit.initialize(block, model, 4);
            SideFlips flips = SideFlips.create();
            flips.afterStep(1, 0, block);
            float[] before = block.regionTrace(manager).signs().get(0).toFloatArray();
            // negating the first layer negates every first-layer pre-activation: every unit whose
            // centre is not exactly 0 changes side
            block.weight(0).muli(-1);
            block.bias(0).muli(-1);
            flips.afterStep(2, 0, block);
            float[] after = block.regionTrace(manager).signs().get(0).toFloatArray();
            int changed = 0;
            for (int k = 0; k < before.length; k++) {
                changed += before[k] != after[k] ? 1 : 0;
            }
            assertThat(changed).isEqualTo(16);
            assertThat(flips.perLayer()[0]).isEqualTo(16);
            assertThat(flips.mostInOneStep()[0]).isEqualTo(16);
            assertThat(flips.comparisons()).isEqualTo(1);
        }
    }
}
