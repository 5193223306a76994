package org.police4j.io;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * Writes a directory all at once: the content goes into a hidden sibling, which is renamed into
 * place only when complete. A crash, a full disk or an exception mid-way leaves the old
 * directory (or nothing) behind, never a half-written model.
 */
public final class AtomicDirectory {

    /** Fills a fresh, empty directory. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Writes the content into {@code dir}.
         *
         * @param dir the fresh, empty directory to fill
         * @throws IOException if writing fails; the target is then left as it was
         */
        void write(Path dir) throws IOException;
    }

    private AtomicDirectory() {}

    /**
     * Writes {@code target} with {@code writer}, replacing any previous content.
     *
     * @param target the directory to create or replace
     * @param writer fills a temporary directory
     * @throws IOException if writing fails; {@code target} is then untouched
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IOException(absolute + " exists and is not a directory");
        }
        String stem = "." + absolute.getFileName() + ".";
        Path temp = absolute.resolveSibling(stem + "tmp-" + UUID.randomUUID());
        Path old = absolute.resolveSibling(stem + "old-" + UUID.randomUUID());
        Files.createDirectory(temp);
        try {
            writer.write(temp);
            if (Files.exists(absolute)) {
                Files.move(absolute, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteTree(temp);
            if (Files.exists(old) && !Files.exists(absolute)) {
                Files.move(old, absolute, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        deleteTree(old);
    }

    /**
     * Deletes a directory tree if it exists.
     *
     * @param dir the tree's root; nothing happens if it does not exist
     * @throws IOException if a file cannot be deleted
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(
                dir,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                            throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException exc)
                            throws IOException {
                        Files.delete(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
    }
}
