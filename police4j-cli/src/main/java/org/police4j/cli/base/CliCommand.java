package org.police4j.cli.base;

import ai.djl.MalformedModelException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.util.concurrent.Callable;
import org.police4j.cli.data.InputException;
import picocli.CommandLine;

/**
 * The shared skeleton of the commands (the user's and the experiments'): runs the command's body
 * and turns what the user got wrong into {@code police4j: <message>} on standard error and exit
 * code {@value ExitCodes#BAD_INPUT}; anything else is a bug, reported with its stack trace and
 * exit code {@value #EXIT_FAILURE}. The {@code --threads} option is applied by {@code Main} (see
 * {@link ThreadPolicy}) before the command runs.
 */
public abstract class CliCommand implements Callable<Integer> {

    /** Exit code for a run that failed for a reason other than bad input (e.g. divergence). */
    public static final int EXIT_FAILURE = ExitCodes.FAILURE;

    @CommandLine.Spec protected CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin protected ThreadsOption threads;

    /** The command's body; returns the exit code. */
    protected abstract int run() throws Exception;

    @Override
    public final Integer call() {
        try {
            return run();
        } catch (InputException | IllegalArgumentException | MalformedModelException e) {
            return badInput(e.getMessage());
        } catch (FileSystemException e) {
            return badInput(fileMessage(e));
        } catch (IOException e) {
            return badInput(e.getMessage());
        } catch (org.police4j.network.ExactBudgetException e) {
            err().println("police4j: " + e.getMessage());
            err().flush();
            return EXIT_FAILURE;
        } catch (Exception e) {
            e.printStackTrace(err());
            err().println("police4j: unexpected error (a bug, please report it): " + e);
            err().flush();
            return EXIT_FAILURE;
        }
    }

    private int badInput(String message) {
        err().println("police4j: " + message);
        err().flush();
        return ExitCodes.BAD_INPUT;
    }

    private static String fileMessage(FileSystemException e) {
        String what = e.getClass().getSimpleName();
        String reason = e.getReason();
        if (reason == null) {
            reason = switch (what) {
                case "NoSuchFileException" -> "no such file or directory";
                case "AccessDeniedException" -> "permission denied";
                case "FileAlreadyExistsException" -> "already exists";
                case "DirectoryNotEmptyException" -> "directory not empty";
                default -> what;
            };
        }
        return e.getFile() + (e.getOtherFile() == null ? "" : " -> " + e.getOtherFile()) + ": " + reason;
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
