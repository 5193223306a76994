package org.police4j.cli.plot;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import javax.imageio.ImageIO;

/**
 * Writes PNG files atomically.
 *
 * <p>Figures are written by long runs that can be interrupted; a reader (or a later run that
 * skips existing outputs) must never find a truncated image. So the bytes go to a temporary file
 * in the target's directory, are forced to disk, and the file is then renamed over the target in
 * one atomic step. On any failure the temporary file is deleted and the target is untouched.
 */
public final class Png {
    private Png() {}

    /**
     * Writes {@code image} to {@code target} as PNG, atomically.
     *
     * @throws IOException naming {@code target} if anything fails; nothing is left behind
     */
    public static void write(BufferedImage image, Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            // CREATE_NEW with a random name rather than createTempFile, whose 0600 mode would
            // survive the rename; this way the file gets the usual permissions for new files.
            Path candidate = dir.resolve("." + abs.getFileName() + "." + UUID.randomUUID() + ".tmp");
            FileChannel ch = FileChannel.open(candidate, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
            tmp = candidate;
            try (ch; OutputStream out = Channels.newOutputStream(ch)) {
                if (!ImageIO.write(image, "png", out)) {
                    throw new IOException("no PNG writer available");
                }
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot write PNG " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one worth reporting
                }
            }
        }
    }
}
