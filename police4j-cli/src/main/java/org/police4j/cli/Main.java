package org.police4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code police4j} command line. Exit codes: 0 success, 1 "not certified" (verify), 2 bad
 * input (a clear message on standard error), 3 an unexpected failure.
 */
@Command(
        name = "police4j",
        mixinStandardHelpOptions = true,
        version = "police4j 0.1.0 (DJL 0.36.0, PyTorch 2.7.1 CPU)",
        description = "Deep networks that are provably affine on chosen regions (POLICE).",
        subcommands = {
            CommandLine.HelpCommand.class, org.police4j.cli.paper.FiguresCommand.class, org.police4j.cli.paper.Table1Command.class,
        })
public final class Main implements Runnable {

    /** Exit code for bad input: a message that names the argument, the value and the expectation. */
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                            || ex instanceof ai.djl.MalformedModelException) {
                        commandLine.getErr().println("police4j: " + ex.getMessage());
                        return EXIT_BAD_INPUT;
                    }
                    throw ex;
                });
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
