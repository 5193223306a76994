package org.police4j.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;

/** The exact fallback's budget: counted in exact multiply-adds, per point, with a clear message past it. */
class ExactBudgetTest {

    private static final FoldedNetwork NET = new FoldedNetwork(new Shape(3), List.of(
            new Layer.Dense(new float[][] {{1, -1, 2}, {0, 1, 1}}, new float[] {1, 1}),
            new Layer.Activation(Cpa.relu()),
            new Layer.Dense(new float[][] {{1, 1}}, new float[] {0})));

    @Test
    void withinTheBudgetTheValueIsExact() {
        double[] x = {0.5, 0.25, 1};
        // unit 0 of layer 0: 1 + 0.5 - 0.25 + 2 = 3.25, three multiply-adds
        ExactEval.Point point = new ExactEval(NET).point(x, 3);
        assertThat(point.doubleValue(0, 0)).isEqualTo(3.25);
        assertThat(point.value(0, 0).compareTo(BigDecimal.ZERO)).isPositive();
    }

    @Test
    void pastTheBudgetItSaysWhatItCouldNotDecide() {
        double[] x = {0.5, 0.25, 1};
        ExactEval.Point point = new ExactEval(NET).point(x, 5);
        point.value(0, 0); // 3 spent
        assertThatThrownBy(() -> point.value(0, 1)) // 3 more: 6 > 5
                .isInstanceOf(ExactBudgetException.class)
                .hasMessageContaining("layer 0, value 1")
                .hasMessageContaining("budget of 5 exact multiply-adds")
                .hasMessageContaining("neither certified nor refuted");
    }
}
