package org.police4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.police4j.nn.BadInputTest.TRIANGLE;
import static org.police4j.nn.BadInputTest.linear;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.police4j.certify.Certify;

/**
 * Dropout in a wrapped network acts on the data rows in training only: the region's vertex rows
 * and every inference output are those of the same network without it.
 */
class WrapDropoutTest {

    @Test
    void dropoutActsOnTheDataRowsInTrainingOnly() {
        Linear first = linear(16);
        Linear second = linear(16);
        Linear head = linear(2);
        SequentialBlock withDropout = new SequentialBlock()
                .add(first).add(Dropout.builder().optRate(0.5f).build()).add(Activation.reluBlock())
                .add(second).add(Activation.reluBlock()).add(Dropout.builder().optRate(0.3f).build())
                .add(head);
        SequentialBlock without = new SequentialBlock()
                .add(first).add(Activation.reluBlock()).add(second).add(Activation.reluBlock()).add(head);
        PolicedMlp dropped = PolicedMlp.wrap(withDropout, TRIANGLE);
        PolicedMlp plain = PolicedMlp.wrap(without, TRIANGLE); // the same Linear blocks, shared
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(21);
            dropped.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.randomUniform(-1f, 2f, new Shape(64, 2));

            PolicedNetwork.Trace trained = dropped.forwardWithTrace(ps, x, true);
            PolicedNetwork.Trace reference = plain.forwardWithTrace(ps, x, true);
            // the region's path never sees dropout: same shifts, same vertex outputs
            for (int l = 0; l < 2; l++) {
                assertThat(trained.shifts().get(l).toFloatArray()).isEqualTo(reference.shifts().get(l).toFloatArray());
            }
            assertThat(trained.vertexOutputs().toFloatArray()).isEqualTo(reference.vertexOutputs().toFloatArray());
            // the data rows do see it in training
            assertThat(trained.outputs().toFloatArray()).isNotEqualTo(reference.outputs().toFloatArray());
            // and not in inference, which is what the certificate is about
            float[] inference = dropped.forward(ps, new NDList(x), false).head().toFloatArray();
            assertThat(inference).isEqualTo(plain.forward(ps, new NDList(x), false).head().toFloatArray());
            assertThat(Certify.policed(dropped, Certify.Options.defaults().optInteriorSamples(50).optSeed(3)).certified()).isTrue();
        }
    }
}
