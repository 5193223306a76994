package org.police4j.experiments.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.util.List;
import org.jfree.chart.annotations.AbstractXYAnnotation;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.PlotRenderingInfo;
import org.jfree.chart.plot.XYPlot;
import org.police4j.experiments.plot.MarchingSquares.Segment;

/**
 * Many line segments (a contour from {@link MarchingSquares}) stroked as one path, which is both
 * faster than one annotation per segment and gives clean joins where segments meet.
 */
final class SegmentsAnnotation extends AbstractXYAnnotation {
    private static final long serialVersionUID = 1L;

    private final List<Segment> segments;
    private final Color colour;
    private final float width;

    SegmentsAnnotation(List<Segment> segments, Color colour, float width) {
        this.segments = List.copyOf(segments);
        this.colour = colour;
        this.width = width;
    }

    @Override
    public void draw(Graphics2D g2, XYPlot plot, Rectangle2D dataArea, ValueAxis domainAxis, ValueAxis rangeAxis,
                     int rendererIndex, PlotRenderingInfo info) {
        Path2D path = new Path2D.Double();
        for (Segment s : segments) {
            path.moveTo(domainAxis.valueToJava2D(s.x1(), dataArea, plot.getDomainAxisEdge()),
                    rangeAxis.valueToJava2D(s.y1(), dataArea, plot.getRangeAxisEdge()));
            path.lineTo(domainAxis.valueToJava2D(s.x2(), dataArea, plot.getDomainAxisEdge()),
                    rangeAxis.valueToJava2D(s.y2(), dataArea, plot.getRangeAxisEdge()));
        }
        Graphics2D g = (Graphics2D) g2.create();
        try {
            g.clip(dataArea);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(colour);
            g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(path);
        } finally {
            g.dispose();
        }
    }
}
