package org.police4j.numeric;

/**
 * Which doubles a float32 can hold: the networks compute in float32, so a value whose float32
 * rounding is infinite (|x| above about {@value Float#MAX_VALUE}, though finite as a double), or
 * NaN, or an infinity, cannot enter them. The one check every reader of user values shares (the
 * regions' factories, the command line's number parser), so that such a value is refused where it
 * is read, naming it, instead of failing later inside the engine.
 */
public final class Float32 {

    private Float32() {}

    /**
     * {@return whether x is finite and its float32 rounding is finite}
     *
     * @param x the value
     */
    public static boolean holds(double x) {
        return Float.isFinite((float) x);
    }

    /**
     * {@return why no float32 holds x, as a phrase to follow the value ("is not finite; expected
     * ...", "is too large for a float32 ..."), or null when a float32 holds it}
     *
     * @param x the value
     */
    public static String problem(double x) {
        if (holds(x)) {
            return null;
        }
        return (Double.isFinite(x) ? "is too large for a float32 (it rounds to infinity)" : "is not finite")
                + "; " + EXPECTED;
    }

    /** What a value must be, for messages. */
    public static final String EXPECTED =
            "expected a finite value a float32 can hold (|x| <= " + Float.MAX_VALUE + ")";

    /**
     * Checks that a float32 holds x.
     *
     * @param what the argument and the entry, e.g. "center: coordinate 2", named in the message
     * @param x the value
     * @return x
     * @throws IllegalArgumentException "center: coordinate 2 is 1.0E308; expected a finite value
     *     a float32 can hold (|x| &lt;= 3.4028235E38): it rounds to infinity in float32", if no
     *     float32 holds x
     */
    public static double require(String what, double x) {
        if (!holds(x)) {
            throw new IllegalArgumentException(what + " is " + x + "; " + EXPECTED
                    + (Double.isFinite(x) ? ": it rounds to infinity in float32" : ""));
        }
        return x;
    }
}
