package org.police4j.region;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@code SupportRegion.outward} (TwoSum, no allocation) against its definition in exact
 * arithmetic: the nearest double at least as far from the centre as {@code m + sign r}, over
 * centres and radii from subnormal to 1e30, of both signs and of very different sizes.
 */
class OutwardRoundingProperties {

    @Provide
    Arbitrary<Double> centres() {
        return Arbitraries.oneOf(
                Arbitraries.doubles().between(-1, 1),
                Arbitraries.doubles().between(-1e30, 1e30),
                Arbitraries.of(0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, 0.1, -0.3, 1e-310, 3.0),
                Arbitraries.integers().between(-1074, 100).map(e -> Math.scalb(1.0, e)));
    }

    @Provide
    Arbitrary<Double> radii() {
        return Arbitraries.oneOf(
                Arbitraries.doubles().between(0, 1),
                Arbitraries.doubles().between(0, 1e30),
                Arbitraries.of(0.0, Double.MIN_VALUE, 0.01, 1e-20, 0.1, 1e-310),
                Arbitraries.integers().between(-1074, 100).map(e -> Math.scalb(1.0, e)));
    }

    @Property(tries = 3000, seed = "20261207")
    void isTheNearestDoubleOnTheFarSide(@ForAll("centres") double m, @ForAll("radii") double r) {
        for (int sign : new int[] {1, -1}) {
            double x = SupportRegion.outward(m, r, sign);
            BigDecimal exact = new BigDecimal(m).add(new BigDecimal(sign * r));
            int far = new BigDecimal(x).compareTo(exact) * sign;
            assertThat(far).as("m %s, r %s, sign %d: %s on the far side", m, r, sign, x).isGreaterThanOrEqualTo(0);
            double nearer = sign > 0 ? Math.nextDown(x) : Math.nextUp(x);
            assertThat(new BigDecimal(nearer).compareTo(exact) * sign)
                    .as("m %s, r %s, sign %d: the next double towards m, %s, is short of the exact value", m, r, sign, nearer)
                    .isLessThan(0);
        }
    }
}
