package org.police4j.testing;

import java.util.List;
import org.police4j.engine.Cpa;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer.Dense;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.Zonotope;

/**
 * Issue 13's counterexample 2, shared by the checker's tests and the certificate's: a unit whose
 * kink is at 1, and support regions whose upper corner {@code 0.5 + (0.5 + 2^-53) = 1 + 2^-53}
 * rounds to 1 in double, so that only the exact corners show the unit bending.
 */
public final class RoundedCorners {

    private RoundedCorners() {}

    /** {@return relu(x - 1) then the identity head: the kink at x = 1} */
    public static FoldedNetwork kinkAtOne() {
        return FoldedNetwork.mlp(
                List.of(new Dense(new float[][] {{1f}}, new float[] {-1f})),
                new Dense(new float[][] {{1f}}, new float[] {0f}),
                Cpa.relu());
    }

    /** {@return a box, an l1 ball and a zonotope around 0.5 of radius 0.5 + 2^-53} */
    public static List<Region> supportRegions() {
        double r = 0.5 + 0x1p-53;
        return List.of(
                Box.of(new double[] {0.5}, new double[] {r}),
                L1Ball.of(new double[] {0.5}, r),
                Zonotope.of(new double[] {0.5}, new double[][] {{r}}));
    }
}
