package org.police4j.experiments.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;

/**
 * Composes panels into one image: a grid of equal cells, row by row, under an optional title.
 *
 * <p>Plain Java2D rather than JFreeChart's combined plots, because the paper's figures put side
 * by side panels that are whole charts (each with its own title, axes and inset).
 */
public final class Figure {
    private static final int GAP = 12;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 18);

    private Figure() {}

    /** The panels in one row. */
    public static BufferedImage row(String title, BufferedImage... panels) {
        return grid(title, panels.length, Arrays.asList(panels));
    }

    /**
     * The panels in a grid of {@code columns} columns, filled row by row. Each cell is as large as
     * the largest panel; smaller panels are centred in theirs.
     *
     * @param title drawn centred above the grid, or null for none
     */
    public static BufferedImage grid(String title, int columns, List<BufferedImage> panels) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("no panels");
        }
        if (columns < 1) {
            throw new IllegalArgumentException("columns must be positive, got " + columns);
        }
        int cols = Math.min(columns, panels.size());
        int rows = (panels.size() + cols - 1) / cols;
        int cw = panels.stream().mapToInt(BufferedImage::getWidth).max().orElseThrow();
        int ch = panels.stream().mapToInt(BufferedImage::getHeight).max().orElseThrow();
        int titleH = 0;
        if (title != null && !title.isEmpty()) {
            titleH = measure(TITLE).getHeight() + GAP;
        }
        int w = cols * cw + (cols + 1) * GAP;
        int h = titleH + rows * ch + (rows + 1) * GAP;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            if (titleH > 0) {
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setFont(TITLE);
                g.setColor(Color.BLACK);
                FontMetrics fm = g.getFontMetrics();
                g.drawString(title, (w - fm.stringWidth(title)) / 2, GAP + fm.getAscent());
            }
            for (int k = 0; k < panels.size(); k++) {
                BufferedImage p = panels.get(k);
                int x = GAP + (k % cols) * (cw + GAP) + (cw - p.getWidth()) / 2;
                int y = titleH + GAP + (k / cols) * (ch + GAP) + (ch - p.getHeight()) / 2;
                g.drawImage(p, x, y, null);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    private static FontMetrics measure(Font font) {
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        try {
            return g.getFontMetrics(font);
        } finally {
            g.dispose();
        }
    }
}
