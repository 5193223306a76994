package org.police4j.cli.plot;

import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;

/**
 * A rendered panel and where its data area (the plot proper, inside the axes) landed in the image.
 *
 * <p>The data area lets tests read back the pixels of the drawing itself, and lets callers place
 * further decorations on top.
 */
public record PanelImage(BufferedImage image, Rectangle2D dataArea) {}
