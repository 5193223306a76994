package org.police4j.cli.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No package of the command line uses a package that uses it back. */
class PackageCyclesTest {

    @Test
    void cliPackagesFormLayers() {
        PackageGraph graph = PackageGraph.read(Path.of("src/main/java"));
        assertThat(graph.packages()).contains("org.police4j.cli", "org.police4j.cli.base",
                "org.police4j.cli.commands", "org.police4j.cli.data", "org.police4j.cli.plot");
        // the edges the layering rests on are seen at all
        assertThat(graph.uses("org.police4j.cli")).contains("org.police4j.cli.commands", "org.police4j.cli.base");
        assertThat(graph.uses("org.police4j.cli.commands")).contains("org.police4j.cli.base");
        assertThat(graph.cycles()).as("package cycles").isEmpty();
    }

    @Test
    void aCycleIsNamedWithTheFilesBehindIt(@TempDir Path src) throws IOException {
        write(src, "a/Main.java", "package a;\nimport b.Command;\nclass Main { Command c; }\n");
        write(src, "b/Command.java", "package b;\nclass Command { c.Code x; }\n");
        write(src, "c/Code.java", "package c;\n/** not a use: a.Main */\nclass Code { String s = \"a.Main\"; }\n");
        assertThat(PackageGraph.read(src).cycles()).isEmpty();

        write(src, "c/Code.java", "package c;\nclass Code { a.Main m; }\n");
        assertThat(PackageGraph.read(src).cycles()).singleElement().asString()
                .startsWith("a -> b -> c -> a")
                .contains("a/Main.java uses b.Command")
                .contains("b/Command.java uses c.Code")
                .contains("c/Code.java uses a.Main");
    }

    private static void write(Path root, String file, String text) throws IOException {
        Path p = root.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
