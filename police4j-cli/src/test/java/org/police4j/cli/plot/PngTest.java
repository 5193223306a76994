package org.police4j.cli.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    @TempDir
    Path dir;

    private static BufferedImage image(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, w / 2, h);
        g.dispose();
        return img;
    }

    @Test
    void writesAReadablePngAndNoTempFile() throws IOException {
        Path target = dir.resolve("out.png");
        Png.write(image(123, 45), target);
        BufferedImage back = ImageIO.read(target.toFile());
        assertThat(back).isNotNull();
        assertThat(back.getWidth()).isEqualTo(123);
        assertThat(back.getHeight()).isEqualTo(45);
        assertThat(back.getRGB(0, 0) & 0xffffff).isEqualTo(Color.ORANGE.getRGB() & 0xffffff);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path target = dir.resolve("out.png");
        Files.writeString(target, "not a png");
        Png.write(image(10, 20), target);
        assertThat(ImageIO.read(target.toFile()).getHeight()).isEqualTo(20);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void failureLeavesNothingAndNamesThePath() throws IOException {
        Path target = dir.resolve("missing").resolve("out.png");
        assertThatThrownBy(() -> Png.write(image(10, 10), target))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(target.toString());
        assertThat(target.getParent()).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void failureWhileEncodingDeletesTheTempFile() throws IOException {
        Path target = dir.resolve("bad.png");
        // a null image makes ImageIO.write throw after the temporary file has been created
        assertThatThrownBy(() -> Png.write(null, target))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(target.toString());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }
}
