package org.police4j.certify;

import java.util.stream.IntStream;
import org.police4j.network.BoundedEval;
import org.police4j.network.ExactEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Pattern;

/**
 * The POLICE certificate: decides exactly whether a CPA network (an MLP or a CNN, as one
 * {@link FoldedNetwork}) is affine on a convex polytope R given by its vertices, and if so
 * returns that affine map.
 *
 * <p>A deep network with continuous piecewise-affine activations is affine on R iff, in every
 * unit of every hidden layer, all vertices' pre-activations lie on the same side of the kink at
 * 0 (Balestriero &amp; LeCun 2023); a value exactly 0 is compatible with both sides. By induction
 * over the layers, if every unit keeps one side on the vertices, each layer is affine on R, so
 * each pre-activation is an affine function on R and its sign on the vertices decides its sign
 * on all of R. Max-pool windows need, likewise, one position that is a maximum at every vertex
 * (ties allowed): {@code h_w - h_q >= 0} at the vertices holds on R, so the pool is {@code h_w}
 * there. The conditions are sufficient; they are necessary up to degenerate cases (two units or
 * positions computing the same affine function on R).
 *
 * <h2>Exactness</h2>
 *
 * The weights are float32 and the vertices double, all exact binary fractions. Each vertex is
 * evaluated in double-double with a rigorous forward error bound ({@link BoundedEval}, which
 * documents the bound, for every layer kind); a unit's side is accepted from the value only when
 * it is farther from 0 than the bound (or an exact 0), a window's winner only when it beats every
 * other position by more than their bounds. A unit or window the bound cannot decide (within
 * rounding of 0; a near-tie) is decided in exact {@link java.math.BigDecimal} arithmetic
 * ({@link ExactEval}, which only multiplies and adds, never divides or rounds), that unit alone:
 * the exact evaluation computes only the values it depends on, and uses the sides and winners
 * already proved (a ReLU unit proved negative is an exact zero). Either way every side used by
 * the verdict is proved, so both paths give identical signs, verdicts and counts. The fast path
 * can be switched off with {@link Builder#optFastPath(boolean)} (every vertex then goes through
 * exact arithmetic whole, and the map is the exact one); the reported min/max pre-activations are
 * then the exact values correctly rounded, while with the fast path they may be the double-double
 * values rounded to double (within the proved bound of the exact values).
 *
 * <p>The exact fallback spends at most {@link Builder#optExactBudget(long)} exact multiply-adds
 * per vertex (exact values grow by a float32's bits per layer: deep networks would take hours or
 * the heap). Past it, a straddle already proved in the layers before the undecided unit still
 * refutes the region (a plain deep network straddles in its first layers long before a unit
 * near a kink needs exact arithmetic); with no such straddle the certifier throws
 * {@link org.police4j.network.ExactBudgetException}: neither certified nor refuted.
 *
 * <h2>The affine map</h2>
 *
 * With every unit's side fixed (+1 when all vertices are &gt;= 0 and at least one is &gt; 0;
 * -1 when all are &lt;= 0 and at least one &lt; 0; +1 when all are exactly 0, which changes
 * nothing on R), the map is {@code A_1 = W_1, a_1 = b_1; A_{l+1} = W_{l+1} diag(d_l) A_l,
 * a_{l+1} = W_{l+1} (d_l * a_l) + b_{l+1}; A = W_head diag(d_L) A_L, b = W_head (d_L * a_L) +
 * b_head}, with {@code d_l} the activation's slope on each unit's side (and each window held
 * on its winner). Computed backwards, one pass per output, either
 *
 * <ul>
 *   <li><em>exactly</em> in BigDecimal and only then rounded to double (each entry of A and b is
 *       the double nearest to its exact value; with average pooling, the exact quotient by the
 *       area rounded twice): {@link Builder#optExactMap(boolean)} true, the builder's default,
 *       and {@link Certificate#mapError()} is 0; or
 *   <li>in double with a rigorous bound on every entry ({@link BoundedEval#affineMap}): {@code
 *       optExactMap(false)}, {@link Certify}'s default, and every entry is within {@link
 *       Certificate#mapError()} of the exact one (about 1e-16 relative per layer). The map is a
 *       report: the verdict never depends on it.
 * </ul>
 *
 * When the network is not certified, the sides are those of the majority of the vertices (ties
 * go to +1; windows take the most frequent winner), and the certificate flags that this map is
 * not the network's function on R.
 *
 * <h2>Parallelism</h2>
 *
 * Vertices are evaluated as a parallel stream, one vertex per task, on the common fork-join pool;
 * the K backward passes of the affine map (one per output, exact or rigorous double) likewise.
 * Inside a vertex, a conv's channels are split over the same pool ({@link
 * org.police4j.engine.Loops}); {@code Loops.sequential} around a call keeps those on the calling
 * thread too. The certificate is the same either way.
 */
public final class Certifier {

    private final boolean fastPath;
    private final boolean parallel;
    private final boolean exactMap;
    private final long exactBudget;

    private Certifier(Builder builder) {
        this.fastPath = builder.fastPath;
        this.parallel = builder.parallel;
        this.exactMap = builder.exactMap;
        this.exactBudget = builder.exactBudget;
    }

    /** {@return a builder with the defaults: fast path on, parallel on, exact map} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Certifies with the default settings (fast path with exact fallback, parallel).
     *
     * @param net the folded network
     * @param vertices the P vertices of the region, each of dimension {@code net.inputDimension()}
     * @param interiorPoints points of the region at which to measure the empirical deviation of
     *     the affine map from {@code net.evaluate}; null or empty for none
     * @return the certificate
     * @throws IllegalArgumentException on empty or ragged vertices, dimension mismatch, non-finite
     *     coordinates or non-finite weights
     */
    public static Certificate certify(
            FoldedNetwork net, double[][] vertices, double[][] interiorPoints) {
        return builder().build().run(net, vertices, interiorPoints);
    }

    /** {@return whether this certifier uses the double-double fast path before exact arithmetic} */
    public boolean fastPath() {
        return fastPath;
    }

    /** {@return whether this certifier evaluates vertices in parallel} */
    public boolean parallel() {
        return parallel;
    }

    /** {@return whether this certifier computes the affine map exactly (else in double with a rigorous bound)} */
    public boolean exactMap() {
        return exactMap;
    }

    /** {@return the most exact multiply-adds the fallback spends at one vertex} */
    public long exactBudget() {
        return exactBudget;
    }

    /** {@return a builder holding this certifier's settings} */
    public Builder toBuilder() {
        return builder().optFastPath(fastPath).optParallel(parallel).optExactMap(exactMap).optExactBudget(exactBudget);
    }

    /**
     * Certifies with this certifier's settings; see {@link #certify}.
     *
     * @param net the folded network
     * @param vertices the P vertices of the region
     * @param interiorPoints interior points for the empirical check; null or empty for none
     * @return the certificate
     */
    public Certificate run(FoldedNetwork net, double[][] vertices, double[][] interiorPoints) {
        return analyze(net, vertices, interiorPoints).certificate;
    }

    /** The certificate plus how many vertices needed the exact fallback (for tests). */
    static final class Analysis {
        final Certificate certificate;
        final int exactVertices;
        final int[][] sides;

        Analysis(Certificate certificate, int exactVertices, int[][] sides) {
            this.certificate = certificate;
            this.exactVertices = exactVertices;
            this.sides = sides;
        }
    }

    Analysis analyze(FoldedNetwork net, double[][] vertices, double[][] interiorPoints) {
        if (net == null) {
            throw new IllegalArgumentException("net: must not be null");
        }
        Inputs.checkWeights(net);
        int d = net.inputDimension();
        Inputs.checkPoints("vertices", vertices, d, false);
        double[][] interior = interiorPoints == null ? new double[0][] : interiorPoints;
        Inputs.checkPoints("interiorPoints", interior, d, true);

        ExactEval exact = new ExactEval(net);
        BoundedEval fast = fastPath ? new BoundedEval(net) : null;
        IntStream indices = IntStream.range(0, vertices.length);
        if (parallel) {
            indices = indices.parallel();
        }
        Pattern[] patterns =
                indices.mapToObj(i -> fast == null ? exact.pattern(vertices[i]) : fast.pattern(vertices[i], exact, exactBudget))
                        .toArray(Pattern[]::new);
        int exactVertices = 0;
        for (Pattern p : patterns) {
            if (p.exact) {
                exactVertices++;
            }
        }
        Verdict verdict = Verdict.of(net, patterns);
        if (verdict.budgetExceeded != null && verdict.first == null) {
            throw verdict.budgetExceeded; // no straddle among the proved layers: undecided
        }
        double[][] a;
        double[] b;
        double mapError;
        if (exactMap || fast == null) {
            double[][][] map = exact.affineMap(verdict.sides, verdict.winners, parallel);
            a = map[0];
            b = map[1][0];
            mapError = 0;
        } else {
            BoundedEval.AffineMap map = fast.affineMap(verdict.sides, verdict.winners, parallel);
            a = map.a();
            b = map.b();
            mapError = map.maxBound();
        }
        Certificate certificate =
                new Certificate(
                        Certificate.Kind.EXACT_VERTICES,
                        verdict.first == null,
                        verdict.sides.length,
                        verdict.units,
                        verdict.offending,
                        verdict.first,
                        a,
                        b,
                        Deviation.max(net::evaluate, a, b, interior),
                        Deviation.max(net::evaluate, a, b, vertices),
                        interior.length,
                        mapError);
        return new Analysis(certificate, exactVertices, verdict.sides);
    }

    /** Configures a {@link Certifier}. */
    public static final class Builder {
        private boolean fastPath = true;
        private boolean parallel = true;
        private boolean exactMap = true;
        private long exactBudget = BoundedEval.EXACT_BUDGET;

        private Builder() {}

        /**
         * The most exact multiply-adds the fallback spends at one vertex (default {@link
         * BoundedEval#EXACT_BUDGET}, 2^25, about a ResNetV1-20 forward); past it the certifier
         * refutes from the layers it proved or throws {@link org.police4j.network.ExactBudgetException}. Applies with
         * the fast path (without it every vertex is evaluated exactly whole).
         *
         * @param exactBudget at least 0
         * @return this builder
         */
        public Builder optExactBudget(long exactBudget) {
            if (exactBudget < 0) {
                throw new IllegalArgumentException("exactBudget: " + exactBudget + ", expected at least 0");
            }
            this.exactBudget = exactBudget;
            return this;
        }

        /**
         * Whether to try the rigorous double fast path before exact arithmetic (default true).
         * False forces the pure exact BigDecimal path for every vertex; the verdict is the same.
         *
         * @param fastPath true to try the fast path first
         * @return this builder
         */
        public Builder optFastPath(boolean fastPath) {
            this.fastPath = fastPath;
            return this;
        }

        /**
         * Whether to evaluate vertices (and the map's passes) in parallel (default true). A conv's
         * channels within one vertex follow {@link org.police4j.engine.Loops} instead.
         *
         * @param parallel true to use the common fork-join pool
         * @return this builder
         */
        public Builder optParallel(boolean parallel) {
            this.parallel = parallel;
            return this;
        }

        /**
         * Whether to compute the affine map exactly in BigDecimal, each entry correctly rounded
         * (default true), or in double with a rigorous bound on every entry ({@link
         * Certificate#mapError()}), at about the cost of K double forward passes instead of K
         * exact ones. The verdict is the same either way; without the fast path the map is exact.
         *
         * @param exactMap true for the exact map
         * @return this builder
         */
        public Builder optExactMap(boolean exactMap) {
            this.exactMap = exactMap;
            return this;
        }

        /** {@return the certifier with the options set so far} */
        public Certifier build() {
            return new Certifier(this);
        }
    }
}
