package org.police4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A model directory as bytes: the serializable form a job broadcasts once. An executor writes it
 * back to a local directory (once per JVM and model) and loads it with the project's own
 * {@code io.ModelIo}, so the checksums are verified there too and the Spark module never depends
 * on how the network is laid out inside.
 */
public final class ModelBytes implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Map<String, Path> MATERIALIZED = new ConcurrentHashMap<>();

    private final Map<String, byte[]> files;
    private final String digest;

    private ModelBytes(Map<String, byte[]> files) {
        this.files = files;
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(e.getValue());
            }
            this.digest = HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads the regular files at the top of a model directory.
     *
     * @param dir the model directory
     * @return its bytes
     * @throws IOException if the directory or a file cannot be read
     */
    public static ModelBytes read(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    files.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        }
        return new ModelBytes(new LinkedHashMap<>(files));
    }

    /** {@return the SHA-256 of the names and contents, which identifies the model} */
    public String digest() {
        return digest;
    }

    /**
     * The model as a local directory: written once per JVM (a temporary directory deleted at exit).
     *
     * @return the directory
     */
    public Path directory() {
        return MATERIALIZED.computeIfAbsent(digest, d -> {
            try {
                Path dir = Files.createTempDirectory("police4j-model-");
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    Path f = dir.resolve(e.getKey());
                    Files.write(f, e.getValue());
                    f.toFile().deleteOnExit();
                }
                dir.toFile().deleteOnExit();
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
