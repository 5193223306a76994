package org.police4j.spark;

import ai.djl.ndarray.NDArray;
import org.police4j.cli.commands.GradientSource;
import org.police4j.nn.PolicedMlp;
import org.police4j.train.Gradients;
import org.police4j.train.LossKind;
import picocli.CommandLine.Option;

/**
 * What {@code police4j-spark train} adds to {@code police4j train}'s options: where the gradients
 * are computed. The session starts when training starts (after the data is read and checked).
 */
final class TrainOptions implements GradientSource {

    @Option(names = "--master", paramLabel = "URL", description = Sessions.MASTER_HELP)
    String master;

    @Option(names = "--app-jar", paramLabel = "JAR", description = Sessions.APP_JAR_HELP)
    String appJar;

    @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
            description = "Shards of the training rows, one gradient task each per step (default: one per slot).")
    int partitions;

    @Override
    public Gradients open(PolicedMlp block, NDArray x, NDArray y, LossKind loss) {
        return new SparkGradients(Sessions.start(master, appJar), partitions).open(block, x, y, loss);
    }
}
