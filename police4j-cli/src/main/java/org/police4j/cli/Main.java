package org.police4j.cli;

import java.io.PrintWriter;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import org.police4j.cli.base.CommandSet;
import org.police4j.cli.base.ExitCodes;
import org.police4j.cli.base.ThreadPolicy;
import org.police4j.cli.base.Version;
import org.police4j.cli.data.InputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code police4j} command line. Exit codes ({@link ExitCodes}): 0 success, 1 "not certified"
 * (verify), 2 bad input (a clear message on standard error), 3 an unexpected failure, 130
 * interrupted. Every command runs under one {@link ThreadPolicy}, applied here before any engine
 * starts. The user's commands are listed here; more (the paper's experiments) are added by any
 * {@link CommandSet} found on the class path, so this package never imports their modules.
 */
@Command(
        name = "police4j",
        mixinStandardHelpOptions = true,
        version = Version.TEXT,
        description = "Deep networks that are provably affine on chosen regions (POLICE).",
        subcommands = {
            CommandLine.HelpCommand.class,
            org.police4j.cli.commands.TrainCommand.class,
            org.police4j.cli.commands.VerifyCommand.class,
            org.police4j.cli.commands.PredictCommand.class,
            org.police4j.cli.commands.ExportCommand.class,
            org.police4j.cli.commands.InfoCommand.class,
        })
public final class Main implements Callable<Integer> {

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

    /** No command: the usage on standard error and exit 2, so a script notices. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("police4j: no command given; expected one of the commands below");
        spec.commandLine().usage(err);
        err.flush();
        return ExitCodes.BAD_INPUT;
    }

    /**
     * Builds the command line: the user's commands, then those of every {@link CommandSet} found;
     * shared by {@link #main} and the tests.
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        for (CommandSet set : ServiceLoader.load(CommandSet.class, Main.class.getClassLoader())) {
            for (Class<?> command : set.commands()) {
                cli.addSubcommand(command);
            }
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionStrategy(Main::execute);
        cli.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                            || ex instanceof ai.djl.MalformedModelException
                            || ex instanceof InputException) {
                        commandLine.getErr().println("police4j: " + ex.getMessage());
                        return ExitCodes.BAD_INPUT;
                    }
                    // Not 1: verify uses 1 for "not certified".
                    ex.printStackTrace(commandLine.getErr());
                    return ExitCodes.FAILURE;
                });
        return cli;
    }

    /**
     * Applies the {@link ThreadPolicy} with the command's {@code --threads} (every command has
     * it), then runs the command.
     */
    private static int execute(CommandLine.ParseResult parseResult) {
        CommandLine.ParseResult last = parseResult;
        while (last.hasSubcommand()) {
            last = last.subcommand();
        }
        Integer threads = last.commandSpec().findOption("--threads") == null
                ? null
                : last.matchedOptionValue("--threads", null);
        try {
            ThreadPolicy.apply(threads);
        } catch (InputException e) {
            CommandLine cli = last.commandSpec().commandLine();
            cli.getErr().println("police4j: " + e.getMessage());
            cli.getErr().flush();
            return ExitCodes.BAD_INPUT;
        }
        return new CommandLine.RunLast().execute(parseResult);
    }

    private static volatile boolean finished;

    public static void main(String[] args) {
        // Ctrl-C: the JVM exits with 130; say so in one line. Files are written atomically, so
        // an interrupted command leaves the old ones (or none), never a half-written one (at most
        // a temporary sibling if the interrupt hits the final write).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!finished) {
                System.err.println(System.lineSeparator() + "police4j: interrupted (exit " + ExitCodes.INTERRUPTED
                        + "); outputs are replaced atomically, so each is complete or as it was before");
                System.err.flush();
            }
        }, "police4j-interrupt"));
        int code = commandLine().execute(args);
        finished = true;
        System.exit(code);
    }
}
