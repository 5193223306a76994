package org.police4j.experiments.fashion;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.police4j.cli.plot.Png;

/**
 * {@code fashion_radii.png}: the certified images side by side (28 x 28 grey, upscaled 4x with
 * nearest-neighbour pixels), each with its true label, the prediction and the certified l_inf
 * radius written underneath, in plain Java2D.
 */
final class RadiiFigure {

    static final int SCALE = 4;
    static final int CELL = 28 * SCALE;
    static final int PAD = 16;
    static final int COLUMN = CELL + 2 * PAD + 40;
    static final int PER_ROW = 8;

    /** One panel. */
    record Panel(float[] pixels, String label, String predicted, double radius, boolean certified) {}

    private RadiiFigure() {}

    static BufferedImage draw(List<Panel> panels, String title) {
        int cols = Math.min(PER_ROW, Math.max(1, panels.size()));
        int rows = (panels.size() + PER_ROW - 1) / PER_ROW;
        int textH = 58;
        int titleH = 30;
        int rowH = CELL + textH + PAD;
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 13);
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D sg = scratch.createGraphics();
        int titleW = sg.getFontMetrics(titleFont).stringWidth(title) + 2 * PAD;
        sg.dispose();
        BufferedImage img = new BufferedImage(Math.max(cols * COLUMN, titleW), titleH + rows * rowH + PAD / 2, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(titleFont);
            g.drawString(title, PAD, 20);
            Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            for (int i = 0; i < panels.size(); i++) {
                Panel p = panels.get(i);
                int x0 = (i % PER_ROW) * COLUMN + (COLUMN - CELL) / 2;
                int y0 = titleH + (i / PER_ROW) * rowH;
                for (int r = 0; r < 28; r++) {
                    for (int c = 0; c < 28; c++) {
                        float v = p.pixels()[r * 28 + c];
                        int grey = 255 - Math.round(Math.max(0, Math.min(1, v)) * 255); // dark garment on white
                        g.setColor(new Color(grey, grey, grey));
                        g.fillRect(x0 + c * SCALE, y0 + r * SCALE, SCALE, SCALE);
                    }
                }
                g.setColor(Color.GRAY);
                g.drawRect(x0 - 1, y0 - 1, CELL + 1, CELL + 1);
                g.setFont(small);
                boolean right = p.label().equals(p.predicted());
                centred(g, "label: " + p.label(), x0 + CELL / 2, y0 + CELL + 16, Color.BLACK);
                centred(g, "pred: " + p.predicted(), x0 + CELL / 2, y0 + CELL + 32,
                        right ? new Color(0, 110, 0) : new Color(180, 0, 0));
                String r = p.certified()
                        ? String.format(Locale.ROOT, "r = %.4f", p.radius())
                        : "not certified";
                centred(g, r, x0 + CELL / 2, y0 + CELL + 48, p.certified() ? new Color(0, 60, 160) : new Color(180, 0, 0));
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    static void write(List<Panel> panels, String title, Path file) throws IOException {
        Png.write(draw(panels, title), file);
    }

    private static void centred(Graphics2D g, String text, int cx, int baseline, Color color) {
        FontMetrics fm = g.getFontMetrics();
        g.setColor(color);
        g.drawString(text, cx - fm.stringWidth(text) / 2, baseline);
    }
}
