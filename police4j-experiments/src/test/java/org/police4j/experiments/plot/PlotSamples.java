package org.police4j.experiments.plot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.ToDoubleBiFunction;
import org.police4j.cli.plot.LossCurve;
import org.police4j.cli.plot.PanelImage;
import org.police4j.cli.plot.Png;

/**
 * Writes the sample figures to a directory (default /tmp/plot-samples) for a human to look at.
 * Not a test: run it with the test classpath, e.g. from an IDE.
 */
public final class PlotSamples {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private PlotSamples() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "/tmp/plot-samples");
        Files.createDirectories(dir);
        writeAll(dir);
    }

    static void writeAll(Path dir) throws IOException {
        ToDoubleBiFunction<Double, Double> f = (x, y) -> Math.cos(3 * x) * Math.cos(y);
        Grid2d field = Grid2d.sample(-4, 4, 241, -4, 4, 241, f);
        double[][] triangle = {{-2.5, -2}, {2, -2.5}, {1, 2}};
        PanelImage contour = new ContourPanel(field)
                .range(-1, 1)
                .region(triangle)
                .inset(Grid2d.sampleSquare(1, 2, 1.2, 121, f))
                .title("cos(3x)\u00b7cos(y), 12 levels")
                .render();
        Png.write(contour.image(), dir.resolve("contour-inset.png"));

        double[][] d = ScatterBoundaryPanelTest.rings(200);
        Grid2d logits = Grid2d.sample(-3, 3, 181, -3, 3, 181, (x, y) -> x * x + y * y - 1.5 * 1.5);
        PanelImage scatter = new ScatterBoundaryPanel(d[0], d[1], ScatterBoundaryPanelTest.ints(d[2]))
                .boundary(logits)
                .region(new double[][] {{0.6, -0.6}, {2.6, -0.6}, {2.6, 1.4}, {0.6, 1.4}})
                .title("two rings, circular boundary")
                .render();
        Png.write(scatter.image(), dir.resolve("scatter-rings.png"));

        PanelImage plane = new ContourPanel(Grid2d.sample(-1, 1, 121, -1, 1, 121, (x, y) -> x))
                .range(-1, 1).title("f(x, y) = x").render();
        Png.write(plane.image(), dir.resolve("plane-bands.png"));

        Png.write(Figure.row("Figure composition", contour.image(), scatter.image(), plane.image()),
                dir.resolve("figure-row.png"));

        double[] train = new double[300];
        double[] val = new double[300];
        double[] steps = new double[300];
        for (int k = 0; k < 300; k++) {
            steps[k] = 10 * k;
            train[k] = 2 * Math.exp(-k / 50.0) + 0.01 + 0.02 * Math.abs(Math.sin(k));
            val[k] = 2.2 * Math.exp(-k / 60.0) + 0.03;
        }
        new LossCurve("training loss").train(steps, train).validation(steps, val).write(dir.resolve("loss.png"), 600, 360);
    }
}
