package org.police4j.cli.base;

/**
 * The command line's exit codes, kept below {@code org.police4j.cli.Main} (which lists the commands)
 * so that every command, the experiments' too, can use them without importing it back.
 */
public final class ExitCodes {

    /** The run did what was asked. */
    public static final int OK = 0;

    /** verify and fashion: the network is not certified affine on the region. */
    public static final int NOT_CERTIFIED = 1;

    /** Bad input: a message that names the argument, the value and the expectation; nothing written. */
    public static final int BAD_INPUT = 2;

    /** An unexpected failure (a bug or an environment problem), or a training run that diverged. */
    public static final int FAILURE = 3;

    /** Interrupted (Ctrl-C, SIGINT): 128 + 2, as shells report it. */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {}
}
