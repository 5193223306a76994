package org.police4j.experiments.plot;

import java.awt.Rectangle;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.Set;

/** Pixel read-back helpers for the rendering tests. */
final class Pixels {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Pixels() {}

    static int rgb(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xffffff;
    }

    static Set<Integer> distinctColours(BufferedImage img) {
        Set<Integer> s = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                s.add(rgb(img, x, y));
            }
        }
        return s;
    }

    /** Pixels that read as the boundary red (not orange, not purple). */
    static long redPixels(BufferedImage img) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = rgb(img, x, y);
                int r = c >> 16 & 0xff, g = c >> 8 & 0xff, b = c & 0xff;
                if (r > 200 && g < 60 && b < 60) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The data area shrunk by {@code margin} pixels on every side, in whole pixels. */
    static Rectangle interior(Rectangle2D dataArea, int margin) {
        int x0 = (int) Math.ceil(dataArea.getMinX()) + margin;
        int y0 = (int) Math.ceil(dataArea.getMinY()) + margin;
        int x1 = (int) Math.floor(dataArea.getMaxX()) - margin;
        int y1 = (int) Math.floor(dataArea.getMaxY()) - margin;
        return new Rectangle(x0, y0, x1 - x0, y1 - y0);
    }
}
