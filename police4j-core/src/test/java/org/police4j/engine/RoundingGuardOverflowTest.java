package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** A bound beyond float32 from finite values is told apart from non-finite weights. */
class RoundingGuardOverflowTest {

    @Test
    void aFiniteBoundBeyondFloat32NamesTheTrackedMapAndTheWayOut() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray weight = manager.create(new float[][] {{1, 1}, {1, -1}});
            NDArray bias = manager.zeros(new ai.djl.ndarray.types.Shape(2));
            // region values of 1e300 are finite as doubles; their bound is not a float32
            RoundingGuard guard = new RoundingGuard(1e-4, Cpa.relu(), new double[] {1e300, 1e300}, 2);
            assertThatThrownBy(() -> guard.margins(3, weight, bias))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("layer 3, unit 0")
                    .hasMessageContaining("beyond float32")
                    .hasMessageContaining("at most D + 1 vertices");
        }
    }

    @Test
    void aMeasuredBoundBeyondFloat32NamesTheReferenceAndIllConditionedLayers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray weight = manager.create(new float[][] {{1, 1}, {1, -1}});
            NDArray bias = manager.zeros(new ai.djl.ndarray.types.Shape(2));
            RoundingGuard guard = new RoundingGuard(1e-4, Cpa.relu(), new double[] {1, 1}, 0);
            // a reference whose own bound went past float32 (finite as a double)
            assertThatThrownBy(() -> guard.margins(7, weight, bias, new double[] {1e39, 1}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("layer 7, unit 0")
                    .hasMessageContaining("beyond float32")
                    .hasMessageContaining("double-double reference")
                    .hasMessageContaining("batch-norm")
                    .hasMessageNotContaining("at most D + 1 vertices");
        }
    }

    @Test
    void nonFiniteWeightsStillSayTrainingDiverged() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray weight = manager.create(new float[][] {{Float.NaN, 1}, {1, -1}});
            NDArray bias = manager.zeros(new ai.djl.ndarray.types.Shape(2));
            RoundingGuard guard = new RoundingGuard(1e-4, Cpa.relu(), new double[] {1, 1}, 0);
            assertThatThrownBy(() -> guard.margins(0, weight, bias))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("layer 0, unit 0")
                    .hasMessageContaining("training diverged");
        }
    }
}
