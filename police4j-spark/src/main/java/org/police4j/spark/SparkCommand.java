package org.police4j.spark;

import ai.djl.MalformedModelException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.police4j.cli.base.ExitCodes;
import org.police4j.cli.data.InputException;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The skeleton of the Spark commands: the session ({@code --master}, default {@code local[*]}),
 * and the command line's exit codes: bad input (also when it is found inside a task, where Spark
 * wraps it) is one line on standard error and exit {@value ExitCodes#BAD_INPUT}; anything else is
 * a failure ({@value ExitCodes#FAILURE}) with its stack trace.
 */
abstract class SparkCommand implements Callable<Integer> {

    private static final String INPUT_EXCEPTION = InputException.class.getName() + ": ";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--master", paramLabel = "URL", description = Sessions.MASTER_HELP)
    String master;

    @Option(names = "--app-jar", paramLabel = "JAR", description = Sessions.APP_JAR_HELP)
    String appJar;

    /** The command's body, in a started session; returns the exit code. */
    protected abstract int run(SparkSession spark) throws Exception;

    @Override
    public final Integer call() {
        try {
            return run(Sessions.start(master, appJar));
        } catch (Exception e) {
            String input = inputMessage(e);
            if (input != null) {
                err().println("police4j-spark: " + input);
                err().flush();
                return ExitCodes.BAD_INPUT;
            }
            e.printStackTrace(err());
            err().println("police4j-spark: unexpected error: " + e);
            err().flush();
            return ExitCodes.FAILURE;
        }
    }

    /** The user's mistake behind an exception (a task's, wrapped by Spark, too), or null for a failure. */
    static String inputMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InputException || t instanceof MalformedModelException || t instanceof IllegalArgumentException
                    || (t instanceof IOException && !(t.getClass().getName().startsWith("org.apache")))) {
                return t instanceof FileSystemException f ? f.getFile() + ": " + f.getClass().getSimpleName() : t.getMessage();
            }
            String m = t.getMessage();
            int at = m == null ? -1 : m.indexOf(INPUT_EXCEPTION);
            if (at >= 0) {
                String rest = m.substring(at + INPUT_EXCEPTION.length());
                int end = rest.indexOf('\n');
                return end < 0 ? rest : rest.substring(0, end);
            }
        }
        return null;
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
