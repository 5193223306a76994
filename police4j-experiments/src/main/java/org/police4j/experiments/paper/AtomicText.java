package org.police4j.experiments.paper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.police4j.io.AtomicFile;

/** Writes a text file atomically: a temporary file in the same directory, then an atomic rename. */
final class AtomicText {
    private AtomicText() {}

    static void write(Path target, String text) throws IOException {
        AtomicFile.write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
