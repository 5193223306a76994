package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.police4j.engine.AffineMapPass;
import org.police4j.engine.ConvGroup;
import org.police4j.engine.Cpa;
import org.police4j.engine.HostVertexRowsPass;
import org.police4j.engine.LayerRange;
import org.police4j.engine.MapReference;
import org.police4j.engine.MultiRegionShift;
import org.police4j.engine.PoolShift;
import org.police4j.engine.PoolWindows;
import org.police4j.engine.RegionPass;
import org.police4j.engine.RegionReference;
import org.police4j.engine.RoundingGuard;
import org.police4j.engine.ShiftEngine;
import org.police4j.engine.Strategy;
import org.police4j.engine.VertexReference;
import org.police4j.engine.VertexRowsPass;
import org.police4j.region.AxisPoints;
import org.police4j.region.Region;
import org.police4j.region.SupportRegion;
import org.police4j.region.VertexRegion;

/**
 * A network that is affine on one or several regions at every step of training: the DJL block of
 * the POLICE method, for the MLP ({@link PolicedMlp}) and the CNN ({@code conv.PolicedConvNet})
 * alike. Both describe themselves as a list of {@link NetworkLayer}s; this class runs it.
 *
 * <p>Each region travels through the layers next to the data, inside the block (so DJL's batch
 * splitting across devices still gives each device whole data rows and its own copy of the
 * region), as vertex rows (the paper's way) or as a tracked affine map (see {@link Strategy}). At
 * every hidden layer the {@link ShiftEngine} turns the region's pre-activation range into a shift
 * per unit, which joins the data rows' pre-activations; a max-pool first gets its own shift
 * ({@link PoolShift}); the head is a plain linear layer. With the rounding guard on, every unit's
 * margin covers the float32 rounding of the folded network (see {@link RoundingGuard}), so what
 * is certified is what is deployed, at any scale of inputs and weights.
 */
public abstract class PolicedNetwork extends PolicedBlock {

    /** Below this input dimension the axis simplex goes through the first product like any region. */
    static final int CLOSED_FORM_MIN_DIMENSION = 16;

    private final List<Region> regions;
    private final Cpa activation;
    private final ShiftEngine engine;
    private final Strategy strategy;
    private final boolean detachedShift;
    private final boolean roundingGuard;
    private final AffineTarget affineTarget;
    private final TargetProjection targetProjection;
    private final boolean[] vertexRowsOf; // per region, decided once: see usesVertexRows
    private final double[] simplexScaleOf; // per region: s when its vertex rows are [0; s I] and large, else NaN
    private final Map<Integer, float[][]> vertexRowCache = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> javaPassFits = new ConcurrentHashMap<>();
    private final Map<Integer, double[]> magnitudeCache = new ConcurrentHashMap<>();
    private final Map<Integer, Optional<AxisPoints>> axisPointCache = new ConcurrentHashMap<>();

    /**
     * What every POLICEd network has besides its layers.
     *
     * @param settings regions, activation, engine, strategy, shift detachment, rounding guard and
     *     affine target
     */
    protected PolicedNetwork(Settings settings) {
        this.regions = List.copyOf(settings.regions());
        this.activation = settings.activation();
        this.engine = settings.engine();
        if (!activation.singleKinkAtZero() && regions.size() > 1) {
            // MultiRegionShift's closest-to-zero rule knows one kink at zero
            throw new IllegalArgumentException("regions: " + regions.size() + " regions with activation "
                    + activation.id() + "; an activation with several kinks (or a kink away from 0) takes one region");
        }
        this.strategy = settings.strategy();
        this.detachedShift = settings.detachedShift();
        this.roundingGuard = settings.roundingGuard();
        this.affineTarget = settings.affineTarget();
        this.targetProjection = affineTarget == null ? null : new TargetProjection(affineTarget, regions.get(0));
        this.vertexRowsOf = new boolean[regions.size()];
        this.simplexScaleOf = new double[regions.size()];
        for (int j = 0; j < regions.size(); j++) {
            vertexRowsOf[j] = vertexRowsFor(j);
            // The closed form replaces a P x D x K product by five small ops: worth it only when
            // the product is large.
            simplexScaleOf[j] = vertexRowsOf[j] && regions.get(j).dimension() >= CLOSED_FORM_MIN_DIMENSION
                    ? ((VertexRegion) regions.get(j)).axisSimplexScale()
                    : Double.NaN;
        }
    }

    /**
     * What every POLICEd network has besides its layers.
     *
     * @param regions the regions, at least one, all of one dimension
     * @param activation the activation after every hidden layer
     * @param engine the shift's margin and sign rule
     * @param strategy how the regions travel (conv layers need vertex rows)
     * @param detachedShift whether the shift is computed without gradient
     * @param roundingGuard whether each unit's margin follows the rounding bound
     * @param affineTarget the prescribed affine map on the first region, or null
     */
    public record Settings(
            List<Region> regions,
            Cpa activation,
            ShiftEngine engine,
            Strategy strategy,
            boolean detachedShift,
            boolean roundingGuard,
            AffineTarget affineTarget) {}

    /** {@return the layers, hidden first, the head (a dense layer) last if there is one} */
    protected abstract List<NetworkLayer> networkLayers();

    /**
     * {@return the layers the forward runs, hidden first (parallel layers holding their branches),
     * the head last: what a fold of any network reads}
     */
    public final List<NetworkLayer> layerGraph() {
        return networkLayers();
    }

    /**
     * The rows the layers see, (N, D), from the block's input (checked, reshaped when the network
     * takes images or flattens its input).
     *
     * @param input the block's input
     * @return (N, D)
     */
    protected abstract NDArray inputRows(NDArray input);

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        Trace trace = run(parameterStore, inputs.singletonOrThrow(), training, false);
        if (training && trace.targetPenalty() != null) {
            // The penalty form of an affine target rides along as a second output; Fit adds it.
            return new NDList(trace.outputs(), trace.targetPenalty());
        }
        return new NDList(trace.outputs());
    }

    /**
     * The constrained forward, also returning what the tests and the fold need: the vertex rows'
     * outputs and every hidden layer's signs and shifts.
     *
     * @param parameterStore where the parameters come from
     * @param x the data rows (N may be 0: then only the region passes through)
     * @param training whether DJL is in training mode
     * @return outputs, vertex outputs, signs and shifts
     */
    public Trace forwardWithTrace(ParameterStore parameterStore, NDArray x, boolean training) {
        return run(parameterStore, x, training, true);
    }

    /**
     * Algorithm 1's forward pass: at every hidden layer the regions' pass and the {@link
     * ShiftEngine} give the shift {@code c} (lines 3-5, and 7 for the regions), which joins the
     * data rows' pre-activations (line 6); the head is a plain linear layer.
     */
    private Trace run(ParameterStore ps, NDArray input, boolean training, boolean keepTrace) {
        NDArray x = inputRows(input);
        RegionPasses passes = new RegionPasses(x, training, keepTrace);
        List<NetworkLayer> layers = networkLayers();
        if (!(layers.get(layers.size() - 1) instanceof NetworkLayer.Dense d && d.head())) {
            // no linear head: the outputs are the last layer's values, affine on R like any
            NDArray out = chain(ps, layers, x, x, training, passes);
            NDArray vertexOut = keepTrace ? passes.passes.get(0).vertexOutputs(null, null) : null;
            return new Trace(out, vertexOut, passes.traces, null, null, null);
        }
        NDArray z = chain(ps, layers.subList(0, layers.size() - 1), x, x, training, passes);
        NetworkLayer.Dense head = (NetworkLayer.Dense) layers.get(layers.size() - 1);
        NDArray headW = value(ps, head.weight(), x, training);
        NDArray headB = value(ps, head.bias(), x, training);
        NDArray penalty = null;
        if (targetProjection != null) {
            NDArray[] map = ((AffineMapPass) passes.passes.get(0)).map();
            if (affineTarget.mode() == AffineTarget.Mode.EXACT) {
                NDArray[] projected = targetProjection.exact(headW, headB, map[0], map[1]);
                headW = projected[0];
                headB = projected[1];
            } else {
                penalty = targetProjection.penalty(headW, headB, map[0], map[1]);
            }
        }
        z = dropout(ps, head.inputDropouts(), z, training);
        NDArray out = Linear.linear(z, headW, headB).singletonOrThrow();
        NDArray vertexOut = keepTrace ? passes.passes.get(0).vertexOutputs(headW, headB) : null;
        return new Trace(out, vertexOut, passes.traces, headW, headB, penalty);
    }

    /**
     * The hidden layers of a chain (the network's, or a branch's) on the data rows z, the regions'
     * passes alongside.
     */
    private NDArray chain(
            ParameterStore ps, List<NetworkLayer> layers, NDArray z, NDArray x, boolean training, RegionPasses passes) {
        for (NetworkLayer l : layers) {
            boolean activated = !(l instanceof NetworkLayer.Linear);
            NetworkLayer layer = l instanceof NetworkLayer.Linear lin ? lin.layer() : l;
            if (layer instanceof NetworkLayer.Dense d) {
                NDArray w = value(ps, d.weight(), x, training);
                NDArray b = value(ps, d.bias(), x, training);
                NDArray c = passes.dense(w, b, activated);
                // The shift joins the bias before the product: the data rows cost exactly what an
                // unconstrained layer costs (one fused matmul-add), whatever the region.
                z = dropout(ps, d.inputDropouts(), z, training);
                NDArray pre = Linear.linear(z, w, activated ? b.add(c) : b).singletonOrThrow();
                z = activated ? activation.apply(pre) : pre;
            } else if (layer instanceof NetworkLayer.Conv conv) {
                z = dropout(ps, conv.inputDropouts(), z, training);
                z = convGroup(ps, conv, value(ps, conv.weight(), x, training), value(ps, conv.bias(), x, training),
                        activated, z, x, training, passes);
            } else if (layer instanceof NetworkLayer.MaxPool m) {
                NetworkLayer.Conv identity = m.identity();
                long c = m.pool().c();
                NDManager manager = x.getManager();
                z = convGroup(ps, identity, manager.ones(new ai.djl.ndarray.types.Shape(c, 1, 1, 1), x.getDataType()),
                        manager.zeros(new ai.djl.ndarray.types.Shape(c), x.getDataType()), false, z, x, training, passes);
            } else if (layer instanceof NetworkLayer.AveragePool a) {
                z = a.apply(z);
                passes.averagePool(a);
            } else if (layer instanceof NetworkLayer.AvgPool a) {
                z = a.apply(z);
                passes.averagePool(a);
            } else if (layer instanceof NetworkLayer.Parallel p) {
                z = parallel(ps, p, z, x, training, passes);
            }
        }
        return z;
    }

    /**
     * A parallel layer: each branch runs on z with a fork of the regions' passes, the joins of
     * the data rows and of the regions meet, and the joined values get their shift and the
     * activation like any hidden layer's units (or stay linear).
     */
    private NDArray parallel(
            ParameterStore ps, NetworkLayer.Parallel p, NDArray z, NDArray x, boolean training, RegionPasses passes) {
        List<NDArray> outs = new ArrayList<>(p.branches().size());
        List<RegionPasses> forks = new ArrayList<>(p.branches().size());
        for (List<NetworkLayer> branch : p.branches()) {
            RegionPasses fork = passes.fork();
            outs.add(chain(ps, branch, z, x, training, fork));
            forks.add(fork);
        }
        NDArray joined = p.join().apply(outs);
        NDArray c = passes.join(forks, p.join(), p.activated());
        return p.activated() ? activation.apply(joined.add(c)) : joined;
    }

    /**
     * A conv group on the data rows: convolution, batch-norm (statistics of the data rows in
     * training, the running ones otherwise: one per-channel affine map for data and vertices), the
     * region's pool shift and POLICE shift, pool, activation.
     */
    private NDArray convGroup(
            ParameterStore ps, NetworkLayer.Conv conv, NDArray w, NDArray b, boolean activated, NDArray z, NDArray x,
            boolean training, RegionPasses passes) {
        long n = z.getShape().get(0);
        NDArray pre = conv.convolve(z, w, b);
        NDArray[] affine = null;
        NetworkLayer.BatchNorm bn = conv.batchNorm();
        if (bn != null) {
            NDArray[] statistics = training && n > 0
                    ? bn.batchStatistics(pre)
                    : new NDArray[] {value(ps, bn.runningMean(), x, false), value(ps, bn.runningVar(), x, false)};
            NDArray gamma = value(ps, bn.gamma(), x, training);
            NDArray beta = value(ps, bn.beta(), x, training);
            // from the parameters, the arrays would belong to the parameters' manager and stay
            // there, a few per conv and step, until the model closes: made in a scope, the two
            // kept go with the step's data
            try (NDScope scope = new NDScope()) {
                affine = NetworkLayer.BatchNorm.affine(gamma, beta, statistics[0], statistics[1], bn.epsilon());
                NDScope.unregister(affine);
            }
            for (NDArray a : affine) {
                a.attach(x.getManager());
            }
            pre = perChannel(pre, affine);
        }
        ConvUnits units = new ConvUnits(conv, w, b, affine);
        NDArray c = passes.conv(units, activated);
        if (conv.pooled()) {
            pre = conv.maxPool(pre.sub(units.poolShift));
        }
        if (!activated) {
            return pre.reshape(n, conv.units());
        }
        pre = pre.add(c.reshape(conv.stencil().outC(), conv.pooledH(), conv.pooledW()));
        return activation.apply(pre).reshape(n, conv.units());
    }

    /** {@code s x + t} per channel of (N, C, H, W). */
    private static NDArray perChannel(NDArray pre, NDArray[] affine) {
        long channels = pre.getShape().get(1);
        return pre.mul(affine[0].reshape(1, channels, 1, 1)).add(affine[1].reshape(1, channels, 1, 1));
    }

    /**
     * A conv group as a region's pass runs it, up to the POLICE shift: convolution, per-channel
     * affine map, pool shift (kept for the data rows), pool.
     */
    private final class ConvUnits implements ConvGroup {
        final NetworkLayer.Conv conv;
        final NDArray weight;
        final NDArray bias;
        final NDArray[] affine;
        float[] windowMargins;
        NDArray poolShift;
        NDArray windows;
        /** The last values of {@link #affine}: the entering region's, before the pool shift. */
        NDArray lastAffine;
        /** The last values of {@link #linear}: a tracked map's directions, before the pool. */
        NDArray lastLinear;
        /** Computes the entering region's margins once (null without guards). */
        IntFunction<float[]> marginsOf;
        /** The region whose pass is entering the group. */
        int region;

        ConvUnits(NetworkLayer.Conv conv, NDArray weight, NDArray bias, NDArray[] affine) {
            this.conv = conv;
            this.weight = detachedShift ? weight.stopGradient() : weight;
            this.bias = detachedShift ? bias.stopGradient() : bias;
            this.affine = affine == null || !detachedShift
                    ? affine : new NDArray[] {affine[0].stopGradient(), affine[1].stopGradient()};
        }

        @Override
        public NDArray affine(NDArray rows) {
            NDArray pre = conv.convolve(rows, weight, bias);
            lastAffine = affine == null ? pre : perChannel(pre, affine);
            return lastAffine;
        }

        @Override
        public NDArray linear(NDArray rows) {
            NDArray pre = conv.convolve(rows, weight, null);
            long channels = pre.getShape().get(1);
            lastLinear = affine == null ? pre : pre.mul(affine[0].reshape(1, channels, 1, 1));
            return lastLinear;
        }

        @Override
        public NDArray pool(NDArray shifted) {
            return conv.maxPool(shifted);
        }

        @Override
        public PoolWindows poolWindows() {
            return conv.pool();
        }

        @Override
        public float[] windowMargins() {
            if (marginsOf != null) {
                marginsOf.apply(region); // the pass has run the affine part: the margins can be measured
            }
            return windowMargins;
        }

        @Override
        public double margin() {
            return engine.margin();
        }

        @Override
        public void poolShift(NDArray shift, NDArray shiftedWindows) {
            this.poolShift = shift;
            this.windows = shiftedWindows;
        }
    }

    /** Every region's pass through one forward, with its rounding guard and what a trace keeps. */
    private final class RegionPasses {
        final List<RegionPass> passes;
        final List<RoundingGuard> guards;
        /** Per guard, the region's reference, or null (the a priori bound). */
        final List<RegionReference> references;
        /** One entry per layer of units (dense, conv group, join), in evaluation order: shared by forks. */
        final List<LayerTrace> traces;
        /** The next layer's index (messages, traces), shared by forks. */
        final int[] next;
        final NDManager manager;
        final boolean training;
        final boolean keepTrace;
        /** Closes what each layer made and nothing holds any more; shared by forks. */
        final LayerScope scope;
        /** The trunk and the branches not yet joined: what later layers still read; shared by forks. */
        final List<RegionPasses> open;

        RegionPasses(NDArray x, boolean training, boolean keepTrace) {
            this.manager = x.getManager();
            this.training = training;
            this.keepTrace = keepTrace;
            this.scope = new LayerScope();
            this.open = new ArrayList<>();
            open.add(this);
            this.passes = new ArrayList<>(regions.size());
            this.guards = new ArrayList<>(regions.size());
            this.references = new ArrayList<>(regions.size());
            this.traces = new ArrayList<>();
            this.next = new int[1];
            boolean measure = measuredGuard();
            for (int j = 0; j < regions.size(); j++) {
                passes.add(pass(j, manager, x));
                if (roundingGuard && engine.margin() > 0) {
                    int extra = usesVertexRows(j) ? 0 : regions.get(j).dimension();
                    guards.add(new RoundingGuard(engine.margin(), activation, magnitude(j), extra));
                    references.add(measure ? reference(j) : null);
                }
            }
        }

        private RegionPasses(RegionPasses parent) {
            this.manager = parent.manager;
            this.training = parent.training;
            this.keepTrace = parent.keepTrace;
            this.scope = parent.scope;
            this.open = parent.open;
            open.add(this);
            this.traces = parent.traces;
            this.next = parent.next;
            this.passes = new ArrayList<>(parent.passes.size());
            this.guards = new ArrayList<>(parent.guards.size());
            this.references = new ArrayList<>(parent.references.size());
            for (RegionPass pass : parent.passes) {
                passes.add(pass.fork());
            }
            for (RoundingGuard guard : parent.guards) {
                guards.add(guard.fork());
            }
            for (RegionReference reference : parent.references) {
                references.add(reference == null ? null : reference.fork());
            }
        }

        /**
         * Region j's reference: at its vertices (as vertex rows or a tracked map: the map's values
         * at the vertices are what it measures), at its {@link AxisPoints} for a box or an l1 ball
         * of few coordinates, the map itself in float64 for a wider one and a zonotope ({@link
         * MapReference}); null beyond {@link VertexReference#MAX_VERTICES} vertices (the a priori
         * bound, docs/ROUNDING-DEPTH.md).
         */
        private RegionReference reference(int j) {
            Region region = regions.get(j);
            if (region instanceof VertexRegion v) {
                return v.vertexCount() <= VertexReference.MAX_VERTICES ? new VertexReference(v.vertices(), activation) : null;
            }
            AxisPoints axes = axisPoints(j);
            if (axes != null) {
                return new VertexReference(axes, activation);
            }
            return region instanceof SupportRegion s ? new MapReference(s, manager, activation, magnitude(j)) : null;
        }

        /**
         * Runs one layer's region work in the {@link LayerScope}: held afterwards are the shift
         * {@code c} the data rows take, the group's pool shift, every open pass's and reference's
         * arrays, the held sides and the traces.
         */
        private NDArray layer(ConvUnits units, java.util.function.Supplier<NDArray> work) {
            return scope.layer(work, (c, keep) -> {
                keep.accept(c);
                if (units != null) {
                    keep.accept(units.poolShift);
                    keep.accept(units.windows);
                }
                for (RegionPasses p : open) {
                    p.passes.forEach(pass -> pass.held(keep));
                    p.references.forEach(r -> {
                        if (r != null) {
                            r.held(keep);
                        }
                    });
                }
                for (int l = 0; l < next[0] && engine.rule().remembers(); l++) {
                    Parameter sides = heldSides(l); // made on the first forward that reads it
                    if (sides != null && sides.isInitialized()) {
                        keep.accept(sides.getArray());
                    }
                }
                for (LayerTrace t : traces) {
                    keep.accept(t.vertexPreActivations());
                    keep.accept(t.signs());
                    keep.accept(t.shift());
                    keep.accept(t.poolShift());
                    keep.accept(t.vertexWindows());
                }
            });
        }

        /** {@return the passes and guards entering one branch of a parallel layer} */
        RegionPasses fork() {
            return new RegionPasses(this);
        }

        /** Lines 3-5 (and 7) of Algorithm 1 for a dense hidden layer (no shift when left linear). */
        NDArray dense(NDArray w, NDArray b, boolean activated) {
            int l = next[0]++;
            NDArray regionW = detachedShift ? w.stopGradient() : w;
            NDArray regionB = detachedShift ? b.stopGradient() : b;
            return layer(null, () -> shift(l, (j, range) -> {
                RegionReference reference = references.get(j);
                double[] measured = reference == null ? null : reference.dense(l, regionW, regionB, passes.get(j), range);
                return guards.get(j).margins(l, regionW, regionB, measured);
            }, all -> each(all, pass -> pass.enter(regionW, regionB)), null, activated));
        }

        private static List<LayerRange> each(List<RegionPass> all, Function<RegionPass, LayerRange> enter) {
            List<LayerRange> ranges = new ArrayList<>(all.size());
            for (RegionPass pass : all) {
                ranges.add(enter.apply(pass)); // line 3
            }
            return ranges;
        }

        /**
         * The same for a conv group, whose pool margins (from the guard) must be known before the
         * vertex rows meet the pool.
         */
        NDArray conv(ConvUnits units, boolean activated) {
            int l = next[0]++;
            List<float[]> windowMargins = new ArrayList<>(guards.size());
            float[][] unitMargins = new float[guards.size()][];
            // region j's margins, once its pass has run the group's affine part (lastAffine)
            IntFunction<float[]> marginsOf = j -> {
                if (unitMargins[j] == null) {
                    NDArray scale = units.affine == null ? null : units.affine[0];
                    NDArray offset = units.affine == null ? null : units.affine[1];
                    RegionReference reference = references.get(j);
                    double[] measured = reference == null ? null : reference.conv(l, units.conv.stencil(), units.weight,
                            units.bias, scale, offset, units.conv.pool(), units.lastAffine, units.lastLinear);
                    RoundingGuard.ConvMargins m = guards.get(j).margins(l, units.conv.stencil(), units.weight,
                            units.bias, scale, offset, units.conv.pool(), measured);
                    units.windowMargins = m.windows();
                    windowMargins.add(m.windows());
                    unitMargins[j] = m.units();
                }
                return unitMargins[j];
            };
            units.marginsOf = guards.isEmpty() ? null : marginsOf;
            BiFunction<Integer, LayerRange, float[]> margins = (j, range) -> marginsOf.apply(j);
            if (passes.size() == 1 || !units.conv.pooled()) {
                return layer(units, () -> shift(l, margins, all -> {
                    List<LayerRange> ranges = new ArrayList<>(all.size());
                    for (int j = 0; j < all.size(); j++) {
                        units.region = j;
                        ranges.add(all.get(j).enter(units)); // line 3
                        if (units.marginsOf != null) {
                            marginsOf.apply(j); // while lastAffine is this region's
                        }
                    }
                    return ranges;
                }, units, activated));
            }
            // Several regions meet one max-pool: one order of the positions and one pool shift for
            // all of them, each window's need the largest over the regions (docs/POOLING.md).
            return layer(units, () -> shift(l, margins, all -> {
                List<PoolShift.Side> sides = new ArrayList<>(all.size());
                for (int j = 0; j < all.size(); j++) {
                    units.region = j;
                    sides.add(all.get(j).beforePool(units));
                    if (units.marginsOf != null) {
                        marginsOf.apply(j);
                    }
                }
                PoolShift.Joint joint = PoolShift.joint(
                        sides, units.conv.pool(), engine.margin(), windowMargins.isEmpty() ? null : windowMargins);
                units.poolShift(joint.shift(), sides.get(0).directions() == null ? joint.result(sides.get(0)).shiftedWindows() : null);
                List<LayerRange> ranges = new ArrayList<>(all.size());
                for (RegionPass pass : all) {
                    ranges.add(pass.afterPool(units, joint));
                }
                return ranges;
            }, units, activated));
        }

        /** The same for the units of a join, from the passes and guards that went through each branch. */
        NDArray join(List<RegionPasses> branches, org.police4j.engine.Join join, boolean activated) {
            int l = next[0]++;
            return layer(null, () -> {
                NDArray c = shift(l, (j, range) -> {
                    RegionReference reference = references.get(j);
                    double[] measured = reference == null ? null : reference.join(
                            l, branches.stream().map(b -> b.references.get(j)).toList(), join, passes.get(j), range);
                    return guards.get(j).joinMargins(l, branches.stream().map(b -> b.guards.get(j)).toList(), join, measured);
                }, all -> each(all, pass -> {
                    int j = passes.indexOf(pass);
                    return pass.enterJoin(branches.stream().map(b -> b.passes.get(j)).toList(), join);
                }), null, activated);
                open.removeAll(branches); // joined: what only they held goes
                return c;
            });
        }

        /**
         * Each region enters the layer, the engine (one region) or the closest-to-zero rule
         * (several) gives the shift, and each region leaves the layer shifted and activated.
         */
        private NDArray shift(int l,
                BiFunction<Integer, LayerRange, float[]> margins, Function<List<RegionPass>, List<LayerRange>> enter,
                ConvUnits units, boolean activated) {
            List<LayerRange> ranges = enter.apply(passes); // line 3
            float[] firstMargins = null;
            for (int j = 0; j < guards.size(); j++) {
                // after the pass: a reference measures the values the pass computed
                float[] m = margins.apply(j, ranges.get(j));
                ranges.get(j).withMargins(m);
                firstMargins = j == 0 ? m : firstMargins;
            }
            NDArray c;
            NDArray signs = null;
            float[] hostShift;
            float[][] hostSides = new float[guards.size()][]; // per region, the side or piece of every unit
            if (!activated) {
                // linear units (a layer without activation): no shift
                NDArray v = ranges.get(0).hasVertices() ? ranges.get(0).vertices() : ranges.get(0).centre();
                int k = (int) v.getShape().get(v.getShape().dimension() - 1);
                c = manager.zeros(new ai.djl.ndarray.types.Shape(k), v.getDataType());
                float[] none = new float[k];
                for (int j = 0; j < passes.size(); j++) {
                    passes.get(j).leaveLinear();
                }
                for (int j = 0; j < guards.size(); j++) {
                    guards.get(j).leaveLinear(passes.get(j).magnitudes(none));
                }
                leaveReferences(none, units, null);
                if (keepTrace) {
                    traces.add(new LayerTrace(null, null, c, units == null ? null : units.poolShift,
                            units == null ? null : units.windows, null));
                }
                return c;
            }
            if (passes.size() == 1) {
                Parameter held = engine.rule().remembers() ? heldSides(l) : null;
                ShiftEngine.Shift shift = engine.shift(ranges.get(0), held == null ? null : sides(held), activation); // lines 4-5
                if (held != null && training) {
                    hold(held, shift.held());
                }
                c = shift.shift();
                passes.get(0).leave(c, shift::signs); // line 7
                signs = keepTrace ? shift.signs() : null;
                hostShift = guards.isEmpty() ? null : shift.hostShift();
                if (!guards.isEmpty()) {
                    hostSides[0] = shift.hostSigns();
                }
            } else {
                MultiRegionShift.Result result = MultiRegionShift.closestToZero(ranges, engine.margin());
                NDArray shift = result.shift();
                for (int j = 0; j < passes.size(); j++) {
                    float[] sides = result.sides()[j];
                    passes.get(j).leave(shift, () -> manager.create(sides).toType(shift.getDataType(), false));
                }
                c = shift;
                hostShift = guards.isEmpty() ? null : result.hostShift();
                for (int j = 0; j < guards.size(); j++) {
                    hostSides[j] = result.sides()[j];
                }
            }
            for (int j = 0; j < guards.size(); j++) {
                guards.get(j).leave(passes.get(j).magnitudes(hostShift), hostSides[j]);
            }
            leaveReferences(hostShift, units, hostSides);
            if (keepTrace) {
                traces.add(new LayerTrace(passes.get(0).shiftedVertexPreActivations(), signs, c,
                        units == null ? null : units.poolShift, units == null ? null : units.windows, firstMargins));
            }
            return c;
        }

        /**
         * Each reference leaves the layer with the fold's biases from the float32 shifts, on the
         * sides the engine decided (null: left linear).
         */
        private void leaveReferences(float[] shift, ConvUnits units, float[][] sides) {
            for (int j = 0; j < references.size(); j++) {
                RegionReference reference = references.get(j);
                if (reference != null) {
                    reference.leave(shift, units == null ? null : units.poolShift, sides == null ? null : sides[j],
                            sides != null);
                }
            }
        }

        /** A windowed average pool: the regions' rows are averaged too, and the guards follow. */
        void averagePool(NetworkLayer.AvgPool a) {
            layer(null, () -> {
                for (RegionPass pass : passes) {
                    pass.apply(a::apply);
                }
                for (RoundingGuard guard : guards) {
                    guard.averagePool(a.windows());
                }
                for (RegionReference reference : references) {
                    if (reference != null) {
                        reference.averagePool(a::apply, a.windows(), a.countIncludePad());
                    }
                }
                return null;
            });
        }

        /** An average pool: the regions' rows are averaged too, and the guards follow. */
        void averagePool(NetworkLayer.AveragePool a) {
            layer(null, () -> {
                for (RegionPass pass : passes) {
                    pass.apply(a::apply);
                }
                for (RoundingGuard guard : guards) {
                    guard.averagePool(a.channels(), a.positions());
                }
                for (RegionReference reference : references) {
                    if (reference != null) {
                        reference.averagePool(a::apply, new PoolWindows(a.channels(), 1, a.positions(), 1, a.positions(), 1,
                                a.positions(), 0, 0, false), true);
                    }
                }
                return null;
            });
        }
    }

    /**
     * Where a rule that remembers ({@link org.police4j.engine.SignRule#remembers()}) keeps the
     * sides of hidden layer {@code l}'s units: a non-trainable parameter (like batch-norm's
     * running statistics) that the training forward updates and everything else reads as it is,
     * so the fold, the certificate and a reloaded model compute the network the last training
     * forward computed. Null for networks that keep none.
     *
     * @param l the hidden layer's index
     * @return K values +1/-1 (0: no side held yet), or null
     */
    protected Parameter heldSides(int l) {
        return null;
    }

    /** The sides a parameter of {@link #heldSides} holds, as float32 values. */
    private static float[] sides(Parameter held) {
        NDArray a = held.getArray();
        return (a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false)).toFloatArray();
    }

    /** Overwrites, in place, the sides a parameter of {@link #heldSides} holds. */
    private static void hold(Parameter held, float[] sides) {
        NDArray a = held.getArray();
        try (NDManager scratch = a.getManager().newSubManager()) {
            a.set(new NDIndex("..."), scratch.create(sides, a.getShape()).toType(a.getDataType(), false));
        }
    }

    /** Dropout blocks on a layer's input: data rows only, and only in training. */
    private static NDArray dropout(ParameterStore ps, List<Block> dropouts, NDArray z, boolean training) {
        if (!training || dropouts.isEmpty() || z.getShape().get(0) == 0) {
            return z;
        }
        for (Block d : dropouts) {
            z = d.forward(ps, new NDList(z), true).singletonOrThrow();
        }
        return z;
    }

    private RegionPass pass(int j, NDManager manager, NDArray x) {
        Region region = regions.get(j);
        if (detachedShift && usesVertexRows(j) && x.getDataType() == DataType.FLOAT32 && fitsJava(j)) {
            // No gradient through the region: for a small one, Java loops beat native calls.
            return new HostVertexRowsPass(vertexRows(j), activation, manager);
        }
        NDArray vertexRows = null;
        if (region instanceof VertexRegion) {
            vertexRows = manager.create(vertexRows(j)).toType(x.getDataType(), false);
        }
        if (usesVertexRows(j)) {
            return new VertexRowsPass(vertexRows, activation, simplexScaleOf[j]);
        }
        return new AffineMapPass(
                region, vertexRows, manager, x.getDataType(), activation, engine.margin(), magnitude(j));
    }

    /**
     * Decided once per region, for dense networks only (the Java pass multiplies dense layers):
     * the widths are fixed once the block is initialised.
     */
    private boolean fitsJava(int j) {
        return javaPassFits.computeIfAbsent(j, key -> {
            List<NetworkLayer> layers = networkLayers();
            int[] widths = new int[layers.size()];
            widths[0] = regions.get(0).dimension();
            for (int l = 0; l + 1 < layers.size(); l++) {
                if (!(layers.get(l) instanceof NetworkLayer.Dense d)) {
                    return false;
                }
                widths[l + 1] = (int) d.weight().getArray().getShape().get(0);
            }
            return HostVertexRowsPass.fits(((VertexRegion) regions.get(key)).vertexCount(), widths);
        });
    }

    /**
     * Whether the rounding guard measures the vertex rows' error against a {@link VertexReference}
     * (the default, for regions of at most {@link VertexReference#MAX_VERTICES} vertices) rather
     * than bounding it a priori: the system property {@code
     * police4j.guard.reference=false} restores the a priori bound, for the before/after
     * measurements of docs/ROUNDING-DEPTH.md.
     */
    private static boolean measuredGuard() {
        return !"false".equals(System.getProperty("police4j.guard.reference"));
    }

    /**
     * Whether region j goes through the layers as vertex rows (else as a tracked affine map).
     *
     * @param j the region's index in {@link #regions()}
     * @return true for vertex rows
     */
    public boolean usesVertexRows(int j) {
        return vertexRowsOf[j];
    }

    private boolean vertexRowsFor(int j) {
        Region region = regions.get(j);
        if (j == 0 && affineTarget != null) {
            return false; // an affine target needs the tracked map of the last hidden layer
        }
        if (!(region instanceof VertexRegion v)) {
            return false;
        }
        switch (strategy) {
            case VERTEX_ROWS:
                return true;
            case AFFINE_MAP:
                return false;
            default:
                // At margin 0 the map must carry a P-row residual to keep the golden gradients,
                // so it never saves work there.
                return engine.margin() == 0 || v.vertexCount() <= v.dimension() + 1;
        }
    }

    /**
     * {@return region j's axis points when its tracked map is measured at them: a box or an l1
     * ball of at most {@code MAX_VERTICES - 1} spanned coordinates (the points go through the
     * layers as the reference's rows); else null}
     */
    private AxisPoints axisPoints(int j) {
        return axisPointCache.computeIfAbsent(j, key -> {
            if (!(regions.get(key) instanceof SupportRegion s)) { // a support region is always a tracked map
                return Optional.<AxisPoints>empty();
            }
            AxisPoints axes = s.axisPoints();
            return axes != null && axes.spanned() + 1 <= VertexReference.MAX_VERTICES
                    ? Optional.of(axes) : Optional.<AxisPoints>empty();
        }).orElse(null);
    }

    /** {@link Region#magnitude()} of region j, computed once (O(D^2) for a support region). */
    private double[] magnitude(int j) {
        return magnitudeCache.computeIfAbsent(j, k -> regions.get(k).magnitude());
    }

    private float[][] vertexRows(int j) {
        return vertexRowCache.computeIfAbsent(
                j,
                k -> {
                    double[][] v = ((VertexRegion) regions.get(k)).vertices();
                    float[][] f = new float[v.length][];
                    for (int p = 0; p < v.length; p++) {
                        f[p] = new float[v[p].length];
                        for (int i = 0; i < v[p].length; i++) {
                            f[p][i] = (float) v[p][i];
                        }
                    }
                    return f;
                });
    }

    private static NDArray value(ParameterStore ps, Parameter p, NDArray x, boolean training) {
        return ps.getValue(p, x.getDevice(), training);
    }

    /**
     * What one constrained forward computed.
     *
     * @param outputs N x K outputs of the data rows
     * @param vertexOutputs P x K outputs of the vertex rows (null for support regions)
     * @param layers one entry per hidden layer (conv groups and dense layers, in order)
     * @param headWeight the head's weight as applied (projected when there is an exact affine
     *     target): what the fold must use; null for a network without head
     * @param headBias the head's bias as applied, or null without head
     * @param targetPenalty the weighted penalty of a penalty-form affine target, or null
     */
    public record Trace(
            NDArray outputs,
            NDArray vertexOutputs,
            List<LayerTrace> layers,
            NDArray headWeight,
            NDArray headBias,
            NDArray targetPenalty) {

        /** {@return per hidden layer, the K signs (+1/-1); empty with several regions} */
        public List<NDArray> signs() {
            return layers.stream().map(LayerTrace::signs).filter(s -> s != null).toList();
        }

        /** {@return per hidden layer, the K shifts added to the pre-activations} */
        public List<NDArray> shifts() {
            return layers.stream().map(LayerTrace::shift).toList();
        }

        /** {@return per hidden layer, the first region's P x K shifted vertex pre-activations} */
        public List<NDArray> vertexPreActivations() {
            return layers.stream().map(LayerTrace::vertexPreActivations).toList();
        }
    }

    /**
     * One hidden layer.
     *
     * @param vertexPreActivations P x units: what the activation sees at the first region's vertices,
     *     after all shifts (no unit may straddle the kink); null for a support region
     * @param signs the units' sides, or null with several regions
     * @param shift the units' POLICE shifts (flattened (C', H'', W'') for a conv group)
     * @param poolShift (C', H', W') shift subtracted from each position before the pool, or null
     * @param vertexWindows (P, C', H'', W'', kh*kw) vertex pre-activations in each window after the
     *     pool shift, or null: one position must be the maximum at every vertex
     * @param margins the first region's per-unit margins {@code margin + E_k} from the rounding
     *     guard, or null without one (or for a layer left linear)
     */
    public record LayerTrace(
            NDArray vertexPreActivations, NDArray signs, NDArray shift, NDArray poolShift, NDArray vertexWindows,
            float[] margins) {}

    /**
     * The region, when there is exactly one and it is given by its vertices: what the fold, the
     * certificate and the model files of a paper-style network use.
     *
     * @return the only region, as a vertex region
     */
    public VertexRegion region() {
        if (regions.size() != 1 || !(regions.get(0) instanceof VertexRegion v)) {
            throw new IllegalStateException(
                    "this network has " + regions.size() + " region(s) (" + regions.get(0).describe()
                            + "); use regions()");
        }
        return v;
    }

    /** {@return all regions, in the order given} */
    public List<Region> regions() {
        return regions;
    }

    /** {@return the activation after every hidden layer} */
    public Cpa activation() {
        return activation;
    }

    /** {@return the engine that computes the shifts (margin and sign rule)} */
    public ShiftEngine engine() {
        return engine;
    }

    /** {@return how the regions travel through the network, as configured (possibly AUTO)} */
    public Strategy strategy() {
        return strategy;
    }

    /** {@return the prescribed affine behaviour on the first region, or null} */
    public AffineTarget affineTarget() {
        return affineTarget;
    }

    /**
     * Whether the last exact affine-target projection found the last hidden layer's map on R
     * rank deficient, so that the head could only be fitted in the least-squares sense (see
     * {@link AffineTarget}).
     *
     * @return true after a rank-deficient projection
     */
    public boolean targetRankDeficient() {
        return targetProjection != null && targetProjection.rankDeficient();
    }

    /** {@return whether the shift is computed without gradient} */
    public boolean detachedShift() {
        return detachedShift;
    }

    /** {@return whether each unit's margin follows the rounding bound (see {@link RoundingGuard})} */
    public boolean roundingGuard() {
        return roundingGuard;
    }

    /** {@return the input dimension D (the region's)} */
    public int inputDimension() {
        return regions.get(0).dimension();
    }
}
