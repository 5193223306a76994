package org.police4j.experiments.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.cli.plot.PanelImage;

class ContourPanelTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void planeXRendersAsTwelveVerticalBandsInPlasmaOrder() {
        Grid2d plane = Grid2d.sample(-1, 1, 121, -1, 1, 121, (x, y) -> x);
        ContourPanel panel = new ContourPanel(plane).levels(12).range(-1, 1).size(400, 400);
        PanelImage out = panel.render();
        BufferedImage img = out.image();
        assertThat(img.getWidth()).isEqualTo(400);
        assertThat(img.getHeight()).isEqualTo(400);
        Rectangle in = Pixels.interior(out.dataArea(), 3);
        assertThat(in.width).isGreaterThan(250);
        assertThat(in.height).isGreaterThan(250);

        // vertical bands: away from band edges (a colour change in the middle row, give or take a
        // pixel for anti-aliasing) every column has a single colour
        int mid = in.y + in.height / 2;
        int checked = 0;
        for (int x = in.x + 1; x < in.x + in.width - 1; x++) {
            int c = Pixels.rgb(img, x, mid);
            if (c != Pixels.rgb(img, x - 1, mid) || c != Pixels.rgb(img, x + 1, mid)) {
                continue;
            }
            checked++;
            for (int y = in.y; y < in.y + in.height; y++) {
                assertThat(Pixels.rgb(img, x, y)).as("pixel (%d, %d)", x, y).isEqualTo(c);
            }
        }
        assertThat(checked).isGreaterThan(in.width * 8 / 10);

        // the middle row: runs of one colour; the runs wider than an edge pixel are the bands
        List<Integer> bands = new ArrayList<>();
        int runColour = Pixels.rgb(img, in.x, mid);
        int runLength = 0;
        for (int x = in.x; x <= in.x + in.width; x++) {
            int c = x < in.x + in.width ? Pixels.rgb(img, x, mid) : -1;
            if (c == runColour) {
                runLength++;
            } else {
                if (runLength >= 3) {
                    bands.add(runColour);
                }
                runColour = c;
                runLength = 1;
            }
        }
        BandedPaintScale scale = panel.paintScale();
        List<Integer> expected = new ArrayList<>();
        for (int k = 0; k < 12; k++) {
            expected.add(scale.bandColour(k).getRGB() & 0xffffff);
        }
        // exactly the 12 band colours, left to right in plasma order (so also 12 distinct ones)
        assertThat(bands).containsExactlyElementsOf(expected);
        assertThat(expected).doesNotHaveDuplicates();
        assertThat(expected.get(0)).isEqualTo(Colormaps.plasma(0.5 / 12).getRGB() & 0xffffff);
    }

    @Test
    void insetPanelHasManyColoursAndTheRequestedSize() {
        Grid2d field = Grid2d.sample(-4, 4, 161, -4, 4, 161, (x, y) -> Math.cos(3 * x) * Math.cos(y));
        Grid2d zoom = Grid2d.sampleSquare(1, 0.5, 1, 81, (x, y) -> Math.cos(3 * x) * Math.cos(y));
        PanelImage out = new ContourPanel(field)
                .region(new double[][] {{-2, -2}, {2, -2}, {1, 0.5}})
                .inset(zoom)
                .title("cos(3x) cos(y)")
                .size(420, 380)
                .render();
        assertThat(out.image().getWidth()).isEqualTo(420);
        assertThat(out.image().getHeight()).isEqualTo(380);
        assertThat(Pixels.distinctColours(out.image()).size()).isGreaterThan(10);
        // equal aspect: a square domain gets a square data area
        assertThat(out.dataArea().getWidth()).isCloseTo(out.dataArea().getHeight(), org.assertj.core.data.Offset.offset(1.5));
    }

    @Test
    void regionVerticesStayVisibleAsBlackDotsBesideAnAutoPlacedInset() {
        Grid2d field = Grid2d.sample(-4, 4, 81, -4, 4, 81, (x, y) -> Math.cos(3 * x) * Math.cos(y));
        double[][] triangle = {{-2.5, -2}, {2, -2.5}, {1, 2}};
        PanelImage out = new ContourPanel(field)
                .range(-1, 1)
                .region(triangle)
                .inset(Grid2d.sampleSquare(1, 2, 1.2, 41, (x, y) -> Math.cos(3 * x) * Math.cos(y)))
                .render();
        java.awt.geom.Rectangle2D da = out.dataArea();
        for (double[] v : triangle) {
            int px = (int) Math.round(da.getMinX() + (v[0] + 4) / 8 * da.getWidth());
            int py = (int) Math.round(da.getMaxY() - (v[1] + 4) / 8 * da.getHeight());
            assertThat(Pixels.rgb(out.image(), px, py)).as("vertex (%f, %f)", v[0], v[1]).isZero();
        }
    }

    @Test
    void valuesOutsideTheRangeAreClampedToTheEndBands() {
        Grid2d g = Grid2d.sample(-1, 1, 3, -1, 1, 3, (x, y) -> 100 * x);
        BandedPaintScale s = new ContourPanel(g).levels(5).range(-1, 1).paintScale();
        assertThat(s.getPaint(-100)).isEqualTo(s.bandColour(0));
        assertThat(s.getPaint(100)).isEqualTo(s.bandColour(4));
        assertThat(s.getPaint(Double.NaN)).isEqualTo(BandedPaintScale.MISSING);
        assertThat(s.band(0.0)).isEqualTo(2);
        assertThat(s.band(1.0)).isEqualTo(4);
    }

    @Test
    void constantFieldStillRenders() {
        Grid2d g = Grid2d.sample(0, 1, 5, 0, 1, 5, (x, y) -> 3.0);
        PanelImage out = new ContourPanel(g).size(200, 200).render();
        assertThat(out.image().getWidth()).isEqualTo(200);
    }

    @Test
    void rejectsBadOptions() {
        Grid2d g = Grid2d.sample(0, 1, 5, 0, 1, 5, (x, y) -> x);
        assertThatThrownBy(() -> new ContourPanel(g).levels(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ContourPanel(g).range(1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ContourPanel(g).region(new double[][] {{0, 0}})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void plasmaControlPointsMatchMatplotlib() {
        assertThat(Colormaps.plasma(0)).isEqualTo(new Color(13, 8, 135));
        assertThat(Colormaps.plasma(64 / 255.0)).isEqualTo(new Color(126, 3, 168));
        assertThat(Colormaps.plasma(128 / 255.0)).isEqualTo(new Color(204, 71, 120));
        assertThat(Colormaps.plasma(192 / 255.0)).isEqualTo(new Color(248, 149, 64));
        assertThat(Colormaps.plasma(1)).isEqualTo(new Color(240, 249, 33));
        assertThat(Colormaps.plasma(2)).isEqualTo(Colormaps.plasma(1));
        assertThat(Colormaps.classColor(0)).isEqualTo(Colormaps.ORANGE);
        assertThat(Colormaps.classColor(1)).isEqualTo(Colormaps.PURPLE);
    }
}
