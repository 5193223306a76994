package org.police4j.certify;

import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.police4j.fold.Fold;
import org.police4j.network.FoldedNetwork;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Region;
import org.police4j.region.SupportRegion;
import org.police4j.region.VertexRegion;

/**
 * One call from a trained POLICEd network to its certificate(s): fold, sample the region, and
 * check exactly. Regions with vertices (or support regions small enough to list their points)
 * go through the exact {@link Certifier}; larger support regions through the sound interval
 * {@link SupportCertifier}.
 */
public final class Certify {

    /** Support regions with at most this many points are certified exactly through their points. */
    public static final int MAX_EXACT_POINTS = 4096;

    private Certify() {}

    /**
     * Certifies the folded form of {@code block} on its only region.
     *
     * @param block an initialised POLICEd network with one region
     * @param interiorSamples random points of R at which the deviation from the affine map is measured
     * @param seed seeds the sampling
     * @return the certificate
     */
    public static Certificate policed(PolicedMlp block, int interiorSamples, long seed) {
        if (block.regions().size() != 1) {
            throw new IllegalArgumentException(
                    "block: has " + block.regions().size() + " regions; use perRegion() for one certificate each");
        }
        return policed(block, block.regions().get(0), interiorSamples, seed);
    }

    /**
     * One certificate per region of {@code block}, each with its own affine map.
     *
     * @param block an initialised POLICEd network
     * @param interiorSamples random points of each region at which the deviation from its map is measured
     * @param seed seeds the sampling (the same for every region)
     * @return the certificates, in the order of {@code block.regions()}
     */
    public static List<Certificate> perRegion(PolicedMlp block, int interiorSamples, long seed) {
        FoldedNetwork folded = Fold.weights(block);
        List<Certificate> out = new ArrayList<>();
        for (Region r : block.regions()) {
            out.add(of(folded, r, interiorSamples, seed));
        }
        return out;
    }

    /**
     * Certifies the folded form of {@code block} on any region of the same dimension.
     *
     * @param block an initialised POLICEd network
     * @param region the region, of the block's input dimension; need not be one it was trained for
     * @param interiorSamples random points of R at which the deviation from the affine map is measured
     * @param seed seeds the sampling
     * @return the certificate
     */
    public static Certificate policed(PolicedMlp block, Region region, int interiorSamples, long seed) {
        return of(Fold.weights(block), region, interiorSamples, seed);
    }

    /**
     * Whether a plain DJL network, trained however it was, is affine on a region, in one call.
     *
     * @param network an initialised {@code [flatten,] Linear, activation, ..., Linear} network
     * @param region the region, of the network's input dimension
     * @param interiorSamples random points of R at which the deviation from the affine map is measured
     * @param seed seeds the sampling
     * @return the certificate (not certified, with the first straddling unit, when it is not affine)
     */
    public static Certificate plain(SequentialBlock network, Region region, int interiorSamples, long seed) {
        return of(Fold.plain(network, region.dimension()), region, interiorSamples, seed);
    }

    /**
     * Certifies a folded network on a region.
     *
     * @param net the folded network (plain dense layers and CPA activations)
     * @param region the region, of the network's input dimension
     * @param interiorSamples random points of R at which the deviation from the affine map is measured
     * @param seed seeds the sampling
     * @return the certificate
     */
    public static Certificate of(FoldedNetwork net, Region region, int interiorSamples, long seed) {
        double[][] interior = region.sample(interiorSamples, new Random(seed));
        if (region instanceof VertexRegion v) {
            return Certifier.certify(net, v.vertices(), interior);
        }
        SupportRegion s = (SupportRegion) region;
        VertexRegion points = pointsOrNull(s);
        if (points != null) {
            return Certifier.certify(net, points.vertices(), interior);
        }
        return SupportCertifier.certify(net, s, interior);
    }

    /**
     * Points whose hull contains the region exactly, when there are at most {@link
     * #MAX_EXACT_POINTS}, else null.
     */
    private static VertexRegion pointsOrNull(SupportRegion s) {
        return s.enclosingPoints(MAX_EXACT_POINTS);
    }
}
