package org.police4j.certify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;
import org.police4j.network.ExactBudgetException;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;

/**
 * Past the exact fallback's budget, a straddle proved in the layers before the undecided unit
 * still refutes the region; without one the certificate is undecided. The network's second
 * hidden layer computes {@code h0 - h1} of two equal units: an exact 0 whose double-double bound is
 * not 0 (the products are not zeros), so only exact arithmetic decides it, which a budget of 0
 * forbids.
 */
class ExactBudgetRefutationTest {

    private static final FoldedNetwork NET = new FoldedNetwork(new Shape(2), List.of(
            new Layer.Dense(new float[][] {{1, 0}, {1, 0}, {0, 1}}, new float[] {0, 0, 0.5f}),
            new Layer.Activation(Cpa.relu()),
            new Layer.Dense(new float[][] {{1, -1, 0}, {0, 0, 1}}, new float[] {0, 0}),
            new Layer.Activation(Cpa.relu()),
            new Layer.Dense(new float[][] {{1, 1}}, new float[] {0})));

    private static Certifier withBudget(long budget) {
        return Certifier.builder().optExactBudget(budget).optParallel(false).build();
    }

    @Test
    void aStraddleBeforeTheUndecidedUnitRefutes() {
        double[][] across = {{1, 0}, {-1, 0}}; // units 0 and 1 of the first layer straddle
        Certificate unlimited = withBudget(Long.MAX_VALUE).run(NET, across, null);
        Certificate spent = withBudget(0).run(NET, across, null);
        assertThat(unlimited.certified()).isFalse();
        assertThat(spent.certified()).isFalse();
        assertThat(spent.firstViolation()).isEqualTo(unlimited.firstViolation());
        assertThat(spent.firstViolation().layer()).isZero();
        // counted over the proved first layer only: its two straddling units of three
        assertThat(spent.offendingUnits()).isEqualTo(2);
        assertThat(spent.unitsChecked()).isEqualTo(3);
        assertThat(unlimited.offendingUnits()).isEqualTo(2);
        assertThat(unlimited.unitsChecked()).isEqualTo(5);
    }

    @Test
    void withoutAStraddleBeforeItTheCertificateIsUndecided() {
        double[][] sameSide = {{1, 0}, {2, 0.25}};
        assertThat(withBudget(Long.MAX_VALUE).run(NET, sameSide, null).certified()).isTrue();
        assertThatThrownBy(() -> withBudget(0).run(NET, sameSide, null))
                .isInstanceOf(ExactBudgetException.class)
                .hasMessageContaining("layer 2, value 0")
                .hasMessageContaining("neither certified nor refuted");
    }

    @Test
    void theBudgetIsAnOptionWithADefault() {
        assertThat(Certifier.builder().build().exactBudget()).isEqualTo(1L << 25);
        assertThat(Certifier.builder().optExactBudget(7).build().toBuilder().build().exactBudget()).isEqualTo(7);
        assertThatThrownBy(() -> Certifier.builder().optExactBudget(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exactBudget: -1");
    }
}
