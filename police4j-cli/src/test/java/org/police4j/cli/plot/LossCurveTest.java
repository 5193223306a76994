package org.police4j.cli.plot;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossCurveTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    @TempDir
    Path dir;

    private static double[] decaying(int n, double scale) {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = scale * Math.exp(-k / 40.0) + 1e-3;
        }
        return v;
    }

    @Test
    void writesAPngWithLogarithmicAxisForPositiveLosses() throws IOException {
        double[] steps = new double[200];
        for (int k = 0; k < steps.length; k++) {
            steps[k] = 10 * k;
        }
        LossCurve curve = new LossCurve("loss").train(steps, decaying(200, 2)).validation(steps, decaying(200, 2.5));
        assertThat(curve.chart().getXYPlot().getRangeAxis()).isInstanceOf(LogarithmicAxis.class);
        Path target = dir.resolve("loss.png");
        curve.write(target, 500, 300);
        BufferedImage back = ImageIO.read(target.toFile());
        assertThat(back.getWidth()).isEqualTo(500);
        assertThat(back.getHeight()).isEqualTo(300);
    }

    @Test
    void linearAxisWhenALossIsNotPositive() {
        double[] loss = {1, 0.5, 0, -0.2, Double.NaN};
        LossCurve curve = new LossCurve("loss").train(loss);
        assertThat(curve.chart().getXYPlot().getRangeAxis()).isInstanceOf(NumberAxis.class);
        assertThat(curve.render(300, 200).getWidth()).isEqualTo(300);
    }
}
