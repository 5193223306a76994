package org.police4j.spark;

import java.util.List;
import picocli.CommandLine.Option;

/** The output options the table commands share: where the result goes and which input columns it keeps. */
final class TableOptions {

    @Option(names = "--out", required = true, paramLabel = "OUT",
            description = "Output directory (must not exist): .parquet for Parquet, else CSV part files with a header.")
    String out;

    @Option(names = "--keep", split = ",", paramLabel = "COL",
            description = "Input columns copied to the output, in this order (default: every input column).")
    List<String> keep;
}
