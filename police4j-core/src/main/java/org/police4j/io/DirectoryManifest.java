package org.police4j.io;

import ai.djl.MalformedModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@value #FILE}: the SHA-256 of every file of a model directory, in {@code sha256sum} format
 * ({@code sha256sum -c checksums.sha256} checks it by hand). It covers the record as a whole: a
 * changed digit in {@code model.json} (a standardisation mean, a region vertex) is as clear an
 * error as a flipped bit in the parameters, where a checksum inside {@code model.json} alone
 * cannot see edits to the file that holds it. It guards against accidents (corruption, hand
 * edits), not against someone who rewrites the manifest too.
 */
public final class DirectoryManifest {

    /** The manifest's file name. */
    public static final String FILE = "checksums.sha256";

    private DirectoryManifest() {}

    /**
     * Writes the manifest of every regular, non-hidden file in {@code dir} (but itself), sorted
     * by name.
     *
     * @param dir the model directory
     * @throws IOException if a file cannot be read or the manifest written
     */
    public static void write(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : hashes(dir).entrySet()) {
            sb.append(e.getValue()).append("  ").append(e.getKey()).append('\n');
        }
        Files.writeString(dir.resolve(FILE), sb, StandardCharsets.UTF_8);
    }

    /**
     * Whether {@code dir} has a manifest (directories of format 1 have none).
     *
     * @param dir the model directory
     * @return true when the manifest file exists
     */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE));
    }

    /**
     * Checks every file of {@code dir} against its manifest.
     *
     * @param dir the model directory
     * @throws IOException if a file cannot be read
     * @throws MalformedModelException naming the file and what is wrong: missing from the
     *     directory, changed since it was written, or not covered by the manifest
     */
    public static void verify(Path dir) throws IOException, MalformedModelException {
        Path manifest = dir.resolve(FILE);
        Map<String, String> expected = read(manifest);
        Map<String, String> actual = hashes(dir);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String now = actual.get(e.getKey());
            if (now == null) {
                problems.add(dir.resolve(e.getKey()) + " is missing");
            } else if (!now.equals(e.getValue())) {
                problems.add(dir.resolve(e.getKey()) + " was changed or corrupted after it was written (SHA-256 "
                        + now + ", " + FILE + " says " + e.getValue() + ")");
            }
        }
        for (String name : actual.keySet()) {
            if (!expected.containsKey(name)) {
                problems.add(dir.resolve(name) + " is not covered by " + FILE);
            }
        }
        if (!problems.isEmpty()) {
            throw new MalformedModelException(String.join("; ", problems)
                    + " (the model directory's files must be as written; retrain or restore them)");
        }
    }

    private static Map<String, String> read(Path manifest) throws IOException, MalformedModelException {
        Map<String, String> m = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int sep = line.indexOf("  ");
            if (sep != 64 || !line.substring(0, 64).matches("[0-9a-f]{64}")) {
                throw new MalformedModelException(manifest + " line " + (i + 1) + ": '" + line
                        + "'; expected '<64 hex digits>  <file name>'");
            }
            m.put(line.substring(sep + 2), line.substring(0, 64));
        }
        return m;
    }

    private static Map<String, String> hashes(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (Files.isRegularFile(p) && !name.startsWith(".") && !name.equals(FILE)) {
                    m.put(name, ModelIo.sha256(Files.readAllBytes(p)));
                }
            }
        }
        return m;
    }
}
