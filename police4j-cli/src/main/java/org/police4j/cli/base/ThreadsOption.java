package org.police4j.cli.base;

import picocli.CommandLine.Option;

/**
 * The {@code --threads} option every command has; {@code Main} reads it and applies the {@link
 * org.police4j.cli.base.ThreadPolicy} before the command runs.
 */
public final class ThreadsOption {

    @Option(names = "--threads", paramLabel = "N",
            description = "PyTorch threads (intra-op and inter-op). Default: 1, unless -Dai.djl.pytorch.num_threads"
                    + " or OMP_NUM_THREADS is set. More threads change float32 summation order, so the last"
                    + " digits of the results (see the README).")
    Integer threads;
}
