package org.police4j.certify;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.police4j.conv.ConvFold;
import org.police4j.conv.PolicedConvNet;
import org.police4j.fold.Fold;
import org.police4j.network.FoldedNetwork;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Region;
import org.police4j.region.SupportRegion;
import org.police4j.region.VertexRegion;
import org.police4j.wrap.Policed;

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
     * How a certificate is measured: how many random interior points check the map empirically,
     * the seed of their sampling, and the vertex certifier's settings: {@link #defaults()} (1000
     * samples, seed 0, the default {@link Certifier}), changed with the {@code opt} methods, e.g.
     * {@code Options.defaults().optInteriorSamples(200).optSeed(7)}.
     *
     * @param interiorSamples random points of R at which the map's deviation is measured
     * @param seed the seed of the interior sampling
     * @param certifier the certifier used for regions certified through their vertices
     */
    public record Options(int interiorSamples, long seed, Certifier certifier) {

        /**
         * Checks that the sample count is not negative and the certifier is given.
         *
         * @param interiorSamples random points of R at which the map's deviation is measured
         * @param seed the seed of the interior sampling
         * @param certifier the certifier used for regions certified through their vertices
         */
        public Options {
            if (interiorSamples < 0) {
                throw new IllegalArgumentException(
                        "interiorSamples: " + interiorSamples + ", expected at least 0");
            }
            if (certifier == null) {
                throw new IllegalArgumentException("certifier: must not be null");
            }
        }

        /** {@return 1000 interior samples, seed 0, the default certifier} */
        public static Options defaults() {
            return new Options(1000, 0, Certifier.builder().build());
        }

        /**
         * {@return these options with another number of random points of R at which the deviation
         * from the affine map is measured (0 for none); a diagnostic, the verdict does not depend on it}
         *
         * @param samples how many, at least 0
         */
        public Options optInteriorSamples(int samples) {
            return new Options(samples, seed, certifier);
        }

        /**
         * {@return these options with another seed of the interior sampling}
         *
         * @param newSeed any long
         */
        public Options optSeed(long newSeed) {
            return new Options(interiorSamples, newSeed, certifier);
        }

        /**
         * {@return these options with another vertex certifier (its fast path and parallelism)}
         *
         * @param newCertifier the certifier
         */
        public Options optCertifier(Certifier newCertifier) {
            return new Options(interiorSamples, seed, newCertifier);
        }
    }

    /**
     * Certifies the folded form of {@code block} on its only region, with the default options.
     *
     * @param block an initialised POLICEd network with one region
     * @return the certificate
     */
    public static Certificate policed(PolicedMlp block) {
        return policed(block, Options.defaults());
    }

    /**
     * Certifies the folded form of {@code block} on its only region.
     *
     * @param block an initialised POLICEd network with one region
     * @param options interior samples, seed, certifier settings
     * @return the certificate
     */
    public static Certificate policed(PolicedMlp block, Options options) {
        if (block.regions().size() != 1) {
            throw new IllegalArgumentException(
                    "block: has " + block.regions().size() + " regions; use perRegion() for one certificate each");
        }
        return policed(block, block.regions().get(0), options);
    }

    /**
     * Certifies the folded form of a POLICEd CNN on its region, with the default options.
     *
     * @param block an initialised POLICEd CNN
     * @return the certificate
     */
    public static Certificate policed(PolicedConvNet block) {
        return policed(block, Options.defaults());
    }

    /**
     * Certifies the folded form of a POLICEd CNN on its region: exactly through its vertices (or a
     * small box's corners), else from the region's support.
     *
     * @param block an initialised POLICEd CNN
     * @param options interior samples, seed, certifier settings
     * @return the certificate
     */
    public static Certificate policed(PolicedConvNet block, Options options) {
        return of(block.fold(), block.regions().get(0), options);
    }

    /**
     * One certificate per region of {@code block}, with the default options.
     *
     * @param block an initialised POLICEd network
     * @return the certificates, in the order of {@code block.regions()}
     */
    public static List<Certificate> perRegion(PolicedMlp block) {
        return perRegion(block, Options.defaults());
    }

    /**
     * One certificate per region of {@code block}, each with its own affine map.
     *
     * @param block an initialised POLICEd network
     * @param options interior samples (per region, the same seed for each), certifier settings
     * @return the certificates, in the order of {@code block.regions()}
     */
    public static List<Certificate> perRegion(PolicedMlp block, Options options) {
        FoldedNetwork folded = Fold.weights(block);
        List<Certificate> out = new ArrayList<>();
        for (Region r : block.regions()) {
            out.add(of(folded, r, options));
        }
        return out;
    }

    /**
     * Certifies the folded form of {@code block} on any region of the same dimension.
     *
     * @param block an initialised POLICEd network
     * @param region the region, of the block's input dimension; need not be one it was trained for
     * @param options interior samples, seed, certifier settings
     * @return the certificate
     */
    public static Certificate policed(PolicedMlp block, Region region, Options options) {
        return of(Fold.weights(block), region, options);
    }

    /**
     * Whether a plain DJL network is affine on a region, with the default options.
     *
     * @param network an initialised {@code [flatten,] Linear, activation, ..., Linear} network
     * @param region the region, of the network's input dimension
     * @return the certificate
     */
    public static Certificate plain(SequentialBlock network, Region region) {
        return plain(network, region, Options.defaults());
    }

    /**
     * Whether a plain DJL network, trained however it was, is affine on a region, in one call.
     *
     * @param network an initialised {@code [flatten,] Linear, activation, ..., Linear} network,
     *     or a CNN whose input shape follows from its first conv and the region (square images,
     *     or 1-D); otherwise use the overload with the input shape
     * @param region the region, of the network's input dimension
     * @param options interior samples, seed, certifier settings
     * @return the certificate (not certified, with the first straddling unit, when it is not affine)
     */
    public static Certificate plain(SequentialBlock network, Region region, Options options) {
        return of(plainFolded(network, region, null), region, options);
    }

    /**
     * Whether a plain DJL network, dense or convolutional, is affine on a region, with the input
     * shape given (for a CNN whose shape cannot be inferred from its first conv and the region).
     *
     * @param network an initialised DJL network: dense, or convolutional as {@link Policed#wrap}
     *     reads it (its parameters are read, not changed)
     * @param region the region, of the network's input dimension
     * @param inputShape one input without the batch axis: (C, H, W), (C, L) or (D)
     * @param options interior samples, seed, certifier settings
     * @return the certificate (not certified, with the first straddling unit, when it is not affine)
     */
    public static Certificate plain(SequentialBlock network, Region region, Shape inputShape, Options options) {
        return of(plainFolded(network, region, inputShape), region, options);
    }

    /**
     * A plain network's folded form as it is: a dense one read directly, a CNN read by {@link
     * Policed#wrap} (which copies its parameters; the copies are closed once folded).
     */
    private static FoldedNetwork plainFolded(SequentialBlock network, Region region, Shape inputShape) {
        if (!Policed.convolutional(network)) {
            return Fold.plain(network, region.dimension());
        }
        PolicedConvNet read = (PolicedConvNet) (inputShape == null
                ? Policed.wrap(network, region) : Policed.wrap(network, region, inputShape));
        try {
            return ConvFold.plain(read);
        } finally {
            read.getParameters().values().forEach(Parameter::close);
        }
    }

    /**
     * Certifies a folded network (MLP or CNN) on a region, with the default options.
     *
     * @param net the folded network
     * @param region the region, of the network's input dimension
     * @return the certificate
     */
    public static Certificate of(FoldedNetwork net, Region region) {
        return of(net, region, Options.defaults());
    }

    /**
     * Certifies a folded network (MLP or CNN) on a region: through its vertices (or its points,
     * for a support region small enough) exactly, else from its support soundly; {@link
     * Certificate#kind()} says which.
     *
     * @param net the folded network
     * @param region the region, of the network's input dimension
     * @param options interior samples, seed, certifier settings
     * @return the certificate
     */
    public static Certificate of(FoldedNetwork net, Region region, Options options) {
        double[][] interior = region.sample(options.interiorSamples(), new Random(options.seed()));
        if (region instanceof VertexRegion v) {
            return options.certifier().run(net, v.vertices(), interior);
        }
        SupportRegion s = (SupportRegion) region;
        VertexRegion points = pointsOrNull(s);
        if (points != null) {
            return options.certifier().run(net, points.vertices(), interior);
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
