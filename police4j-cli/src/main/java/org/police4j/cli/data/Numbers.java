package org.police4j.cli.data;

import java.util.Locale;
import java.util.regex.Pattern;
import org.police4j.numeric.Float32;

/**
 * Strict parsing of decimal numbers from text. {@link Double#parseDouble} accepts far too much
 * for data files ("1d", "0x1p3", "NaN", "Infinity"), so only plain decimal notation with an
 * optional exponent is accepted, and a float32 must hold the result (the networks compute in
 * float32: {@link Float32}), so that 1e308 is refused where it is read, with its file and line.
 */
public final class Numbers {

    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");

    private static final Pattern NON_FINITE =
            Pattern.compile("[+-]?(?:nan|inf|infinity)", Pattern.CASE_INSENSITIVE);

    private Numbers() {}

    /**
     * Why text is not a number a float32 can hold, or null when it is one.
     *
     * @param text the (trimmed) text
     * @return a phrase such as "is not a number", to follow the quoted value; null if valid
     */
    static String problem(String text) {
        if (text == null || text.isEmpty()) {
            return "is not a number (the field is empty)";
        }
        if (NON_FINITE.matcher(text).matches()) {
            return "is not a finite number";
        }
        if (!DECIMAL.matcher(text).matches()) {
            return "is not a number";
        }
        double value = Double.parseDouble(text);
        if (!Double.isFinite(value)) {
            return "is not a finite number (too large for a double)";
        }
        return Float32.problem(value);
    }

    /**
     * Parses one cell of a data table by the same rules as a CSV file's cells (plain decimal
     * notation, a value a float32 can hold), for readers of other tables (a Spark job's rows).
     *
     * @param text the cell's text (surrounding white space is ignored)
     * @param where the cell's place for the message, e.g. {@code "row 12, column 'x2'"}
     * @return its value
     * @throws InputException naming the place and the value when it is not a number a float32 can hold
     */
    public static double cell(String text, String where) {
        String t = text == null ? null : text.strip();
        String problem = problem(t);
        if (problem != null) {
            throw new InputException(where + ": " + quote(t == null ? "" : t) + " " + problem);
        }
        return parse(t);
    }

    /** Whether text is a decimal number a float32 can hold. */
    static boolean isNumber(String text) {
        return problem(text) == null;
    }

    /**
     * Parses text known to be valid ({@link #problem} returned null).
     *
     * @param text the text
     * @return its value
     */
    static double parse(String text) {
        return Double.parseDouble(text);
    }

    /** Quotes a user value for a message: 'abc'. */
    static String quote(String text) {
        return "'" + text + "'";
    }

    /** Lower-case, locale-independent. */
    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
