package org.police4j.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Finds {@code ../shared} beside the repository root, whichever module the test runs in. */
public final class SharedFiles {

    private SharedFiles() {}

    public static Path sharedDir() {
        String configured = System.getProperty("police.shared.dir", "");
        if (!configured.isBlank() && Files.isDirectory(Paths.get(configured))) {
            return Paths.get(configured).toAbsolutePath().normalize();
        }
        Path dir = Paths.get(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("pom.xml"))
                    && Files.isDirectory(d.resolve(".mvn"))
                    && Files.isDirectory(d.resolveSibling("shared"))) {
                return d.resolveSibling("shared").normalize();
            }
        }
        throw new IllegalStateException(
                "cannot find ../shared beside the repository root (from " + dir + ")");
    }

    public static Path goldenDir() {
        return sharedDir().resolve("golden");
    }
}
