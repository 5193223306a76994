package org.police4j.experiments.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import org.jfree.chart.annotations.AbstractXYAnnotation;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.PlotRenderingInfo;
import org.jfree.chart.plot.XYPlot;

/**
 * The region R of POLICE drawn as in the paper: a closed polygon of black edges with a filled black
 * dot at each vertex.
 *
 * <p>Dots are sized in pixels, not data units, so they stay round and equally visible whatever the
 * zoom; that is why this is a custom annotation rather than a shape in data coordinates.
 */
final class RegionAnnotation extends AbstractXYAnnotation {
    private static final long serialVersionUID = 1L;

    private final double[][] vertices;
    private final float lineWidth;
    private final double dotDiameter;

    /** @param vertices the polygon's corners in order, each {@code {x, y}}; the polygon is closed implicitly */
    RegionAnnotation(double[][] vertices, float lineWidth, double dotDiameter) {
        this.vertices = checkVertices(vertices);
        this.lineWidth = lineWidth;
        this.dotDiameter = dotDiameter;
    }

    static double[][] checkVertices(double[][] vertices) {
        if (vertices.length < 2) {
            throw new IllegalArgumentException("a region needs at least 2 vertices, got " + vertices.length);
        }
        double[][] c = new double[vertices.length][];
        for (int k = 0; k < vertices.length; k++) {
            if (vertices[k].length != 2) {
                throw new IllegalArgumentException("vertex " + k + " is not {x, y}");
            }
            c[k] = vertices[k].clone();
        }
        return c;
    }

    @Override
    public void draw(Graphics2D g2, XYPlot plot, Rectangle2D dataArea, ValueAxis domainAxis, ValueAxis rangeAxis,
                     int rendererIndex, PlotRenderingInfo info) {
        Graphics2D g = (Graphics2D) g2.create();
        try {
            g.clip(dataArea);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            Path2D path = new Path2D.Double();
            double[][] px = new double[vertices.length][];
            for (int k = 0; k < vertices.length; k++) {
                px[k] = new double[] {
                    domainAxis.valueToJava2D(vertices[k][0], dataArea, plot.getDomainAxisEdge()),
                    rangeAxis.valueToJava2D(vertices[k][1], dataArea, plot.getRangeAxisEdge()),
                };
                if (k == 0) {
                    path.moveTo(px[k][0], px[k][1]);
                } else {
                    path.lineTo(px[k][0], px[k][1]);
                }
            }
            path.closePath();
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(lineWidth, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(path);
            double r = dotDiameter / 2;
            for (double[] p : px) {
                g.fill(new Ellipse2D.Double(p[0] - r, p[1] - r, dotDiameter, dotDiameter));
            }
        } finally {
            g.dispose();
        }
    }
}
