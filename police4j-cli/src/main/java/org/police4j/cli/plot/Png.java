package org.police4j.cli.plot;

import org.police4j.io.AtomicFile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
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
        AtomicFile.write(target, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }
}
