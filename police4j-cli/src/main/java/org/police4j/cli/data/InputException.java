package org.police4j.cli.data;

/**
 * The one error type the command line catches to print a clear message and exit with code 2:
 * something wrong with what the user gave (a data file, a column name, a region spec), as
 * opposed to a bug.
 *
 * <p>It is unchecked so that the readers can be used from streams and lambdas; the command
 * line's top level catches it. Messages are complete sentences meant for the user: they name
 * the file, the line (1-based, the header being line 1), the column, the offending value and
 * what was expected, as far as each applies, e.g.
 * {@code data.csv line 12, column 'x2': 'abc' is not a number}.
 */
public class InputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message the complete user-facing message
     */
    public InputException(String message) {
        super(message);
    }

    /**
     * @param message the complete user-facing message
     * @param cause the underlying exception (an I/O or parse error), kept for debugging
     */
    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
