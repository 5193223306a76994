package org.police4j.experiments.plot;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.police4j.cli.plot.PanelImage;

class ScatterBoundaryPanelTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** Two rings of radius 1 (class 0) and 2 (class 1) with deterministic jitter. */
    static double[][] rings(int perRing) {
        double[] xs = new double[2 * perRing];
        double[] ys = new double[2 * perRing];
        double[] labels = new double[2 * perRing];
        java.util.Random rnd = new java.util.Random(7);
        for (int k = 0; k < 2 * perRing; k++) {
            int c = k < perRing ? 0 : 1;
            double r = (c == 0 ? 1.0 : 2.0) + 0.15 * rnd.nextGaussian();
            double a = 2 * Math.PI * rnd.nextDouble();
            xs[k] = r * Math.cos(a);
            ys[k] = r * Math.sin(a);
            labels[k] = c;
        }
        return new double[][] {xs, ys, labels};
    }

    static int[] ints(double[] a) {
        int[] r = new int[a.length];
        for (int k = 0; k < a.length; k++) {
            r[k] = (int) a[k];
        }
        return r;
    }

    @Test
    void rendersPointsBoundaryAndRegion() {
        double[][] d = rings(150);
        Grid2d logits = Grid2d.sample(-3, 3, 121, -3, 3, 121, (x, y) -> x * x + y * y - 1.5 * 1.5);
        PanelImage out = new ScatterBoundaryPanel(d[0], d[1], ints(d[2]))
                .boundary(logits)
                .region(new double[][] {{0.5, -0.5}, {2.5, -0.5}, {2.5, 1.5}, {0.5, 1.5}})
                .title("two rings")
                .size(400, 400)
                .render();
        BufferedImage img = out.image();
        assertThat(img.getWidth()).isEqualTo(400);
        assertThat(img.getHeight()).isEqualTo(400);
        assertThat(Pixels.distinctColours(img).size()).isGreaterThan(10);
        assertThat(Pixels.redPixels(img)).isGreaterThan(100);
    }

    @Test
    void withoutBoundaryThereIsNoRed() {
        double[][] d = rings(50);
        PanelImage out = new ScatterBoundaryPanel(d[0], d[1], ints(d[2])).size(300, 300).render();
        assertThat(Pixels.redPixels(out.image())).isZero();
        assertThat(out.image().getWidth()).isEqualTo(300);
    }
}
