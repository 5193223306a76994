package org.police4j.certify;

import java.util.Random;
import org.police4j.fold.Fold;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.VertexRegion;

/** One call from a trained POLICEd network to its certificate: fold, sample R, certify. */
public final class Certify {

    private Certify() {}

    /**
     * Certifies the folded form of {@code block} on its own region.
     *
     * @param block an initialised POLICEd network
     * @param interiorSamples random points of R at which the deviation from the affine map is measured
     * @param seed seeds the sampling
     * @return the certificate
     */
    public static Certificate policed(PolicedMlp block, int interiorSamples, long seed) {
        return policed(block, block.region(), interiorSamples, seed);
    }

    /** Certifies the folded form of {@code block} on another region of the same dimension. */
    public static Certificate policed(PolicedMlp block, VertexRegion region, int interiorSamples, long seed) {
        double[][] interior = region.sample(interiorSamples, new Random(seed));
        return Certifier.certify(Fold.weights(block), region.vertices(), interior);
    }
}
