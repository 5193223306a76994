package org.police4j.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Map;

/**
 * Folders of test resources found on the classpath, so the tests read nothing outside the
 * repository and run the same from any working folder.
 */
public final class TestResources {

    private TestResources() {}

    /**
     * The classpath folder {@code name} (e.g. {@code golden}), as a path that can be listed: a
     * plain folder under {@code target/test-classes}, or the folder inside a jar.
     *
     * @param name the folder, relative to the classpath root; it must hold a {@code README.md}
     * @throws IllegalStateException if the folder is not on the test classpath
     */
    public static Path dir(String name) {
        URL marker = TestResources.class.getResource("/" + name + "/README.md");
        if (marker == null) {
            throw new IllegalStateException(
                    "test resource folder " + name + "/ (with its README.md) is not on the classpath");
        }
        try {
            URI uri = marker.toURI();
            if ("jar".equals(uri.getScheme())) {
                try {
                    FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException e) {
                    // opened by an earlier call: reuse it
                }
            }
            return Path.of(uri).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad resource URL " + marker, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
