package org.police4j.certify;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
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
 * {@link SupportCertifier}. {@link #policed(Block)} takes whatever {@link Policed#wrap} returned.
 *
 * <p>The defaults ({@link Options#defaults()}) keep a certificate about as cheap as a few
 * training steps at every scale: the verdict is exact (every unit proved by a rigorous double
 * bound or, where that cannot decide, in exact arithmetic), the affine map is computed in double
 * with a rigorous bound on every entry ({@link Certificate#mapError()}; {@link
 * Options#optExactMap(boolean)} for the correctly rounded exact map), and the interior points, a
 * diagnostic, are fewer for large networks ({@link Options#INTERIOR_BUDGET}).
 */
public final class Certify {

    /** Support regions with at most this many points are certified exactly through their points. */
    public static final int MAX_EXACT_POINTS = 4096;

    private Certify() {}

    /**
     * How a certificate is measured: how many random interior points check the map empirically
     * (at most; the default spends at most {@link #INTERIOR_BUDGET} multiply-adds on them), the
     * seed of their sampling, and the vertex certifier's settings: {@link #defaults()} (up to
     * 1000 samples within the budget, seed 0, the fast certifier with the rigorous double map),
     * changed with the {@code opt} methods, e.g. {@code
     * Options.defaults().optInteriorSamples(200).optSeed(7)} or {@code optExactMap(true)}.
     *
     * @param interiorSamples the most random points of R at which the map's deviation is measured
     * @param seed the seed of the interior sampling
     * @param certifier the certifier used for regions certified through their vertices
     * @param interiorBudget the most multiply-adds the interior points may cost (one point costs
     *     one double evaluation of the network); fewer points are taken when the budget is short,
     *     but at least {@link #MIN_INTERIOR_SAMPLES} (or {@code interiorSamples} if fewer)
     */
    public record Options(int interiorSamples, long seed, Certifier certifier, long interiorBudget) {

        /** The default budget of the interior points: 2^27 multiply-adds, about a tenth of a second. */
        public static final long INTERIOR_BUDGET = 1L << 27;

        /** The fewest interior points a budget leaves. */
        public static final int MIN_INTERIOR_SAMPLES = 8;

        /**
         * Checks that the sample count and the budget are not negative and the certifier is given.
         *
         * @param interiorSamples the most random points of R at which the map's deviation is measured
         * @param seed the seed of the interior sampling
         * @param certifier the certifier used for regions certified through their vertices
         * @param interiorBudget the most multiply-adds the interior points may cost
         */
        public Options {
            if (interiorSamples < 0) {
                throw new IllegalArgumentException(
                        "interiorSamples: " + interiorSamples + ", expected at least 0");
            }
            if (certifier == null) {
                throw new IllegalArgumentException("certifier: must not be null");
            }
            if (interiorBudget < 0) {
                throw new IllegalArgumentException("interiorBudget: " + interiorBudget + ", expected at least 0");
            }
        }

        /**
         * {@return up to 1000 interior samples within {@link #INTERIOR_BUDGET}, seed 0, the default
         * certifier with the rigorous double map ({@code optExactMap(false)})}
         */
        public static Options defaults() {
            return new Options(1000, 0, Certifier.builder().optExactMap(false).build(), INTERIOR_BUDGET);
        }

        /**
         * {@return these options with exactly this many random points of R at which the deviation
         * from the affine map is measured (0 for none; no budget applies); a diagnostic, the
         * verdict does not depend on it}
         *
         * @param samples how many, at least 0
         */
        public Options optInteriorSamples(int samples) {
            return new Options(samples, seed, certifier, Long.MAX_VALUE);
        }

        /**
         * {@return these options with another seed of the interior sampling}
         *
         * @param newSeed any long
         */
        public Options optSeed(long newSeed) {
            return new Options(interiorSamples, newSeed, certifier, interiorBudget);
        }

        /**
         * {@return these options with another vertex certifier (its fast path, parallelism and map)}
         *
         * @param newCertifier the certifier
         */
        public Options optCertifier(Certifier newCertifier) {
            return new Options(interiorSamples, seed, newCertifier, interiorBudget);
        }

        /**
         * {@return these options with the affine map computed exactly (each entry correctly
         * rounded, {@link Certificate#mapError()} 0) or in double with a rigorous bound (the
         * default; much faster on large networks); the verdict is the same}
         *
         * @param exact true for the exact map
         */
        public Options optExactMap(boolean exact) {
            return optCertifier(certifier.toBuilder().optExactMap(exact).build());
        }

        /** {@return how many interior points to draw for {@code net}: the samples, within the budget} */
        int samplesFor(FoldedNetwork net) {
            long cost = Math.max(1, Deviation.cost(net));
            long affordable = Math.max(MIN_INTERIOR_SAMPLES, interiorBudget / cost);
            return (int) Math.min(interiorSamples, affordable);
        }
    }

    /**
     * Certifies whatever {@link Policed#wrap} returned (a POLICEd MLP on its only region, or a
     * POLICEd CNN), with the default options.
     *
     * @param block a block returned by {@link Policed#wrap}, initialised
     * @return the certificate
     * @throws IllegalArgumentException when the block is not a POLICEd network, naming its class
     */
    public static Certificate policed(Block block) {
        return policed(block, Options.defaults());
    }

    /**
     * Certifies whatever {@link Policed#wrap} returned (a POLICEd MLP on its only region, or a
     * POLICEd CNN on its region): no cast, no choice of overload.
     *
     * @param block a block returned by {@link Policed#wrap}, initialised
     * @param options interior samples, seed, certifier settings
     * @return the certificate
     * @throws IllegalArgumentException when the block is not a POLICEd network, naming its class
     */
    public static Certificate policed(Block block, Options options) {
        if (block instanceof PolicedMlp mlp) {
            return policed(mlp, options);
        }
        if (block instanceof PolicedConvNet cnn) {
            return policed(cnn, options);
        }
        throw new IllegalArgumentException("block: " + (block == null ? "null" : "a " + block.getClass().getName())
                + "; expected a POLICEd network as Policed.wrap returns it (PolicedMlp or PolicedConvNet);"
                + " for a plain network use Certify.plain");
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
        if (block.regions().size() != 1) {
            throw new IllegalArgumentException(
                    "block: has " + block.regions().size() + " regions; use perRegion() for one certificate each");
        }
        return of(block.fold(), block.regions().get(0), options);
    }

    /**
     * One certificate per region of whatever {@link Policed#wrap} returned (an MLP or a CNN, on
     * one region or several): no cast, no choice of overload.
     *
     * @param block a block returned by {@link Policed#wrap}, initialised
     * @param options interior samples (per region, the same seed for each), certifier settings
     * @return the certificates, in the order of the block's regions
     * @throws IllegalArgumentException when the block is not a POLICEd network, naming its class
     */
    public static List<Certificate> perRegion(Block block, Options options) {
        if (block instanceof PolicedMlp mlp) {
            return perRegion(mlp, options);
        }
        if (block instanceof PolicedConvNet cnn) {
            return perRegion(cnn, options);
        }
        throw new IllegalArgumentException("block: " + (block == null ? "null" : "a " + block.getClass().getName())
                + "; expected a POLICEd network as Policed.wrap returns it (PolicedMlp or PolicedConvNet)");
    }

    /**
     * One certificate per region of a POLICEd CNN, with the default options.
     *
     * @param block an initialised POLICEd CNN
     * @return the certificates, in the order of {@code block.regions()}
     */
    public static List<Certificate> perRegion(PolicedConvNet block) {
        return perRegion(block, Options.defaults());
    }

    /**
     * One certificate per region of a POLICEd CNN, each with its own affine map, all of the one
     * folded network.
     *
     * @param block an initialised POLICEd CNN
     * @param options interior samples (per region, the same seed for each), certifier settings
     * @return the certificates, in the order of {@code block.regions()}
     */
    public static List<Certificate> perRegion(PolicedConvNet block, Options options) {
        return perRegion(block.fold(), block.regions(), options);
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
        return perRegion(Fold.weights(block), block.regions(), options);
    }

    private static List<Certificate> perRegion(FoldedNetwork folded, List<Region> regions, Options options) {
        List<Certificate> out = new ArrayList<>();
        for (Region r : regions) {
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
        double[][] interior = region.sample(options.samplesFor(net), new Random(options.seed()));
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
