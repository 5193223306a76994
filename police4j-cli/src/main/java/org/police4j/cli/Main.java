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
            CommandLine.HelpCommand.class,
            org.police4j.cli.commands.TrainCommand.class,
            org.police4j.cli.commands.VerifyCommand.class,
            org.police4j.cli.commands.PredictCommand.class,
            org.police4j.cli.commands.ExportCommand.class,
            org.police4j.cli.commands.InfoCommand.class,
            org.police4j.cli.paper.FiguresCommand.class,
            org.police4j.cli.paper.Table1Command.class,
            org.police4j.cli.paper.BeyondCommand.class,
            org.police4j.cli.fashion.FashionCommand.class,
        })
public final class Main implements Runnable {

    /** Exit code for bad input: a message that names the argument, the value and the expectation. */
    public static final int EXIT_BAD_INPUT = 2;

    /** Exit code for an unexpected failure (a bug or an environment problem), with its stack trace. */
    public static final int EXIT_FAILURE = 3;

    /** The switch DJL reads before its usage tracking contacts the EC2 metadata endpoint. */
    public static final String OPT_OUT_TRACKING = "OPT_OUT_TRACKING";

    static {
        optOutOfTracking();
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /**
     * Turns off DJL's usage tracking unless the user chose otherwise. DJL's engine start calls
     * home (an HTTP request to the EC2 metadata address, seen in a profile of this command
     * line) unless {@code OPT_OUT_TRACKING} or offline mode is set; police4j promises that
     * nothing it runs touches the network, so it must be set before any engine is created.
     */
    static void optOutOfTracking() {
        if (System.getenv(OPT_OUT_TRACKING) == null && System.getProperty(OPT_OUT_TRACKING) == null) {
            System.setProperty(OPT_OUT_TRACKING, "true");
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                            || ex instanceof ai.djl.MalformedModelException
                            || ex instanceof org.police4j.cli.data.InputException) {
                        commandLine.getErr().println("police4j: " + ex.getMessage());
                        return EXIT_BAD_INPUT;
                    }
                    // Not 1: verify uses 1 for "not certified".
                    ex.printStackTrace(commandLine.getErr());
                    return EXIT_FAILURE;
                });
        return cli;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
