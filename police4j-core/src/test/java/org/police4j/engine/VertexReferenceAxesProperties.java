package org.police4j.engine;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;

/**
 * {@link VertexReferenceAxesTest}'s check over random boxes and l1 balls: dimension 1 to 6 (some
 * coordinates flat), centres and radii from 1e-6 to 1e6, one to five units, engine maps off the
 * exact one by 1e-7 to 1e-2 relative in their directions and up to 1e-3 of the scale at the
 * centre: the bound always covers the largest {@code |engine - exact|} over the region, computed
 * exactly, and on a box it is that largest value.
 */
class VertexReferenceAxesProperties {

    @Property(tries = 60, seed = "12")
    void theBoundCoversEveryPeakOfTheRegion(
            @ForAll @IntRange(min = 1, max = 6) int d,
            @ForAll @IntRange(min = 1, max = 5) int units,
            @ForAll @IntRange(min = -6, max = 6) int scaleExponent,
            @ForAll @IntRange(min = -7, max = -2) int offExponent,
            @ForAll boolean box,
            @ForAll long seed) {
        Random rnd = new Random(seed);
        double scale = Math.pow(10, scaleExponent);
        double[] centre = new double[d];
        double[] radii = new double[d];
        for (int j = 0; j < d; j++) {
            centre[j] = scale * rnd.nextGaussian();
            radii[j] = rnd.nextInt(4) == 0 ? 0 : scale * rnd.nextDouble();
        }
        double off = Math.pow(10, offExponent);
        if (box) {
            VertexReferenceAxesTest.check(Box.of(centre, radii), units, rnd, scale, off, off * 10, true);
        } else {
            VertexReferenceAxesTest.check(L1Ball.of(centre, scale * rnd.nextDouble()), units, rnd, scale, off, off * 10,
                    false);
        }
    }
}
