package org.police4j.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.police4j.cli.arch.PackageGraph;

/** No package of the experiments uses a package that uses it back (the cli's check, on this module). */
class PackageCyclesTest {

    @Test
    void experimentPackagesFormLayers() {
        PackageGraph graph = PackageGraph.read(Path.of("src/main/java"));
        assertThat(graph.packages()).contains("org.police4j.experiments", "org.police4j.experiments.paper",
                "org.police4j.experiments.fashion", "org.police4j.experiments.plot");
        assertThat(graph.uses("org.police4j.experiments")).contains("org.police4j.experiments.paper");
        assertThat(graph.cycles()).as("package cycles").isEmpty();
    }
}
