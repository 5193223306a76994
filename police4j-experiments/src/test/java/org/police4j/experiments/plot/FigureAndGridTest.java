package org.police4j.experiments.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class FigureAndGridTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    @Test
    void gridSamplesRowsByY() {
        Grid2d g = Grid2d.sample(0, 2, 3, 10, 13, 4, (x, y) -> 100 * x + y);
        assertThat(g.nx()).isEqualTo(3);
        assertThat(g.ny()).isEqualTo(4);
        assertThat(g.values()[3][2]).isEqualTo(213.0);
        assertThat(g.value(1, 0)).isEqualTo(110.0);
        assertThat(g.min()).isEqualTo(10.0);
        assertThat(g.max()).isEqualTo(213.0);
        assertThat(g.xmax()).isEqualTo(2.0);
        assertThat(g.dy()).isEqualTo(1.0);
        assertThatThrownBy(() -> new Grid2d(new double[] {0, 0}, new double[] {0, 1}, new double[2][2]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void composesPanelsIntoAGrid() {
        BufferedImage a = new BufferedImage(100, 80, BufferedImage.TYPE_INT_RGB);
        BufferedImage b = new BufferedImage(90, 60, BufferedImage.TYPE_INT_RGB);
        BufferedImage row = Figure.row(null, a, b);
        assertThat(row.getWidth()).isEqualTo(2 * 100 + 3 * 12);
        assertThat(row.getHeight()).isEqualTo(80 + 2 * 12);
        BufferedImage grid = Figure.grid("title", 2, List.of(a, b, a));
        assertThat(grid.getWidth()).isEqualTo(2 * 100 + 3 * 12);
        assertThat(grid.getHeight()).isGreaterThan(2 * 80 + 3 * 12);
    }
}
