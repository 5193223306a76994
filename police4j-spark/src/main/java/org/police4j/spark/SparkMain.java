package org.police4j.spark;

import java.util.concurrent.Callable;
import org.police4j.cli.base.ExitCodes;
import org.police4j.cli.base.ThreadPolicy;
import org.police4j.cli.commands.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar police4j-spark.jar predict|certify|train ...}: police4j's bulk commands on
 * Spark, {@code local[*]} by default and any cluster by {@code --master URL}. Exit codes as the
 * one-JVM command line: 0 done, 2 bad input, 3 a failure.
 */
@Command(name = "police4j-spark", mixinStandardHelpOptions = true,
        description = "police4j on Apache Spark: bulk predict, bulk certify and data-parallel training.",
        subcommands = {CommandLine.HelpCommand.class, PredictCommand.class, CertifyCommand.class})
public final class SparkMain implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** No command: the usage on standard error and exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("police4j-spark: no command given; expected one of the commands below");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.BAD_INPUT;
    }

    /** {@return the command line, shared by {@link #main} and the tests} */
    public static CommandLine commandLine() {
        if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        // slf4j-simple (the project's logger) at warn; Spark's start-up notes on the host name and
        // Hadoop's native library are not the user's concern (the driver is bound to 127.0.0.1).
        quiet("org.apache.spark.util.Utils");
        quiet("org.apache.hadoop.util.NativeCodeLoader");
        quiet("org.apache.spark.sql.classic.SparkSession");
        // a task's exception is reported once, by the command (bad input: one line)
        quiet("org.apache.spark.executor.Executor");
        quiet("org.apache.spark.sql.execution.datasources.FileFormatWriter");
        ThreadPolicy.apply(null);
        CommandLine cli = new CommandLine(new SparkMain());
        // train: police4j train's own command (options, data, loop, certificate, model directory),
        // its gradients from Spark
        TrainOptions spark = new TrainOptions();
        CommandLine train = new CommandLine(new TrainCommand(spark));
        train.addMixin("spark", spark);
        train.getCommandSpec().usageMessage().description(
                "Train on Spark (synchronous data-parallel: each step's gradient summed over the partitions),"
                        + " with police4j train's options; full batches only (--batch 0).");
        cli.addSubcommand("train", train);
        return cli;
    }

    private static void quiet(String logger) {
        System.getProperties().putIfAbsent("org.slf4j.simpleLogger.log." + logger, "error");
    }

    /**
     * Runs a command and exits with its code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
