package org.police4j.region;

import java.util.Random;

/**
 * A convex region R of input space on which a network is to be made affine.
 *
 * <p>The interface is deliberately small so that regions which cannot list their vertices (for
 * instance a high-dimensional box given by its support) can still be sampled, tested for
 * membership and described, which is all that training loops, checks and reports need.
 */
public interface Region {

    /** {@return a short name for files and reports ("triangle", "box", ...); may be empty} */
    String name();

    /** {@return the dimension D of the input space the region lives in} */
    int dimension();

    /**
     * A point inside the region, used as the natural "middle" for plots, sanity checks and
     * outside points. For vertex regions it is the mean of the vertices.
     *
     * @return a fresh array of {@link #dimension()} coordinates
     */
    double[] center();

    /**
     * Whether x lies in the region, up to {@code tolerance} in every coordinate (max-norm
     * distance to the region at most {@code tolerance}). A tolerance is required because
     * points produced by floating-point arithmetic (samples, vertices of converted regions)
     * sit on the boundary only approximately.
     *
     * @param x a point with {@link #dimension()} finite coordinates
     * @param tolerance a finite value {@code >= 0}
     * @return true if x is within tolerance of the region
     */
    boolean contains(double[] x, double tolerance);

    /**
     * Draws n points of the region uniformly in the barycentric sense: random convex
     * combinations of the vertices with Dirichlet(1, ..., 1) weights (normalised exponentials).
     * This is not uniform in volume, but it reaches every point of R and is cheap in any
     * dimension, which is what training on R needs.
     *
     * @param n number of points, {@code >= 0}
     * @param rng the source of randomness; pass a seeded one for reproducibility
     * @return n fresh points of {@link #dimension()} coordinates each
     */
    double[][] sample(int n, Random rng);

    /**
     * Per coordinate, an upper bound on {@code |x_j|} over the region: the scale of what a
     * network computes on it, from which the engine's rounding guard sizes its margins.
     *
     * @return a fresh array of {@link #dimension()} finite values {@code >= 0}
     */
    double[] magnitude();

    /**
     * A short human-readable description for logs and reports, such as
     * {@code "vertex region: 3 vertices in 2-D"}.
     *
     * @return the description
     */
    String describe();

    /**
     * The description for a line that already says it is about a region (a report's "region:
     * 'spec' (...)"): by default {@link #describe()}; a vertex region says only how many vertices
     * it has and in what dimension, since its name is the spec the line already shows.
     *
     * @return the summary
     */
    default String summary() {
        return describe();
    }

    /**
     * The image of the region under the per-coordinate affine bijection
     * {@code x_j -> (x_j - mean_j) / std_j}: the region a network trained on standardised inputs
     * must be made affine on. An affine bijection maps the region onto a region of the same kind
     * where the kind allows it (a box stays a box, a zonotope a zonotope, vertices map to
     * vertices); each coordinate is computed as {@code (x_j - mean_j) / std_j}, so the image
     * agrees to the last bit with data rows standardised that way. The default, for a kind this
     * library does not know, refuses.
     *
     * @param mean the shifts, {@link #dimension()} finite values
     * @param std the scales, {@link #dimension()} finite values {@code > 0}
     * @return the mapped region
     * @throws IllegalArgumentException if an argument has another length or an invalid entry
     * @throws UnsupportedOperationException if the region's kind cannot map itself
     */
    default Region standardized(double[] mean, double[] std) {
        throw new UnsupportedOperationException(
                "region: " + describe() + " (" + getClass().getName() + ") cannot be standardised");
    }

    /**
     * The affine hull of the region: the directions it spans, from a few points whose hull it is
     * (a vertex region's vertices; a support region's centre and the centre moved along each of
     * its generators). Below full dimension, a network's affine map on the region is determined
     * only along the hull. The default, for a kind this library does not know, refuses.
     *
     * @return the hull, in the region's own coordinates
     * @throws UnsupportedOperationException if the region's kind cannot list such points
     */
    default AffineHull affineHull() {
        throw new UnsupportedOperationException(
                "region: " + describe() + " (" + getClass().getName() + ") cannot give its affine hull");
    }

    /**
     * What defines this region, free of any file format: its kind and the numbers that make it,
     * which the formats write field by field and {@link RegionRecord#toRegion()} reads back. The
     * default, for a kind this library does not know, records what the region says about itself
     * (its description and centre): enough to tell two regions apart, not to rebuild one.
     *
     * @return a fresh record
     */
    default RegionRecord record() {
        return RegionRecord.of(getClass().getName(), name()).put("description", describe()).put("center", center());
    }
}
