package org.police4j.conv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.FoldedParameters;
import org.police4j.engine.PoolWindows;
import org.police4j.engine.Stencil;
import org.police4j.network.FoldedNetwork;
import org.police4j.nn.NetworkLayer;
import org.police4j.nn.PolicedNetwork;
import org.police4j.network.Layer;

/**
 * Folds a {@link PolicedConvNet} into a {@link FoldedNetwork} (conv, max-pool, activation,
 * flatten or average pool, dense layers). The shifts depend only on the
 * weights, the running batch-norm statistics and the region, so one inference-mode pass of the
 * region alone gives them. Per conv layer, in float32:
 *
 * <ul>
 *   <li>batch-norm (running statistics) is the per-channel map {@code y = s x + t} with {@code s =
 *       gamma / sqrt(var + eps)}, {@code t = beta - mean s}: the conv weights are scaled by s and
 *       the bias becomes {@code b s + t};
 *   <li>the per-position bias is that bias minus the pool shift of the position, plus the POLICE
 *       shift of the pooled unit whose window holds the position ({@code max_q(a_q + c) =
 *       max_q(a_q) + c}), or plus the unit's own shift without pooling.
 * </ul>
 *
 * Hidden dense layers get their shifts added to their bias, as in {@link
 * org.police4j.fold.Fold}.
 */
public final class ConvFold {

    private ConvFold() {}

    /**
     * Folds batch-norm, pool shifts and POLICE shifts of an initialised network into plain
     * weights and per-position biases (the rules above).
     *
     * @param net an initialised POLICEd CNN
     * @return the folded network, computing the same function on the region
     */
    public static FoldedNetwork fold(PolicedConvNet net) {
        return fold(net, true);
    }

    /**
     * The network as its parameters make it, without POLICE's shifts and pool shifts: what a plain
     * DJL network with the same blocks computes (for {@code Certify.plain}: is it affine on R as it
     * is?). Batch-norm is folded with its running statistics.
     *
     * @param net an initialised network (usually a user's plain network read by {@code Policed.wrap})
     * @return the folded network without shifts
     */
    public static FoldedNetwork plain(PolicedConvNet net) {
        return fold(net, false);
    }

    private static FoldedNetwork fold(PolicedConvNet net, boolean shifted) {
        Plan plan = net.plan;
        if (!plan.head || plan.layers.stream().anyMatch(l -> l instanceof Plan.ParallelLayer || l instanceof Plan.LinearLayer
                || l instanceof Plan.PoolLayer)) {
            return graph(net, new Shape(plan.c, plan.h, plan.w), shifted);
        }
        NDManager parent = net.parameter(net.parameterNames().get(0)).getManager();
        try (NDManager manager = parent.newSubManager()) {
            net.requireFloat32("block");
            NDArray none = manager.zeros(new Shape(0, plan.inputDimension()), DataType.FLOAT32);
            PolicedNetwork.Trace trace =
                    shifted ? net.forwardWithTrace(new ParameterStore(manager, false), none, false) : null;
            List<Layer> ops = new ArrayList<>();
            int layer = 0;
            for (Plan.Layer l : plan.layers) {
                if (l instanceof Plan.ConvLayer c) {
                    PolicedNetwork.LayerTrace t = shifted ? trace.layers().get(layer++) : null;
                    String name = "conv" + c.index();
                    NDArray[] bn = null;
                    if (c.batchNorm()) {
                        String n = "bn" + c.index();
                        bn = new NDArray[] {net.parameter(n + ".gamma"), net.parameter(n + ".beta"),
                                net.parameter(n + ".runningMean"), net.parameter(n + ".runningVar")};
                    }
                    Stage.Conv conv = c.conv();
                    Stencil stencil = new Stencil(c.inC(), c.inH(), c.inW(), c.outC(), c.outH(), c.outW(), conv.kernelH(),
                            conv.kernelW(), conv.strideH(), conv.strideW(), conv.padH(), conv.padW(), conv.dilationH(),
                            conv.dilationW(), conv.groups());
                    ops.addAll(conv(manager, net.parameter(name + ".weight"), net.parameter(name + ".bias"), bn,
                            c.batchNorm() ? c.norm().epsilon() : 0, stencil, c.pooled() ? c.pool() : null, t));
                    ops.add(new Layer.Activation(net.activation()));
                } else if (l instanceof Plan.FlattenLayer f) {
                    ops.add(new Layer.Flatten(f.c(), f.h(), f.w()));
                } else if (l instanceof Plan.GapLayer g) {
                    ops.add(new Layer.GlobalAvgPool(g.c(), g.h(), g.w()));
                } else if (l instanceof Plan.AvgPoolLayer a) {
                    ops.add(new Layer.AvgPool(a.windows(), a.countIncludePad()));
                } else {
                    Plan.DenseLayer d = (Plan.DenseLayer) l;
                    String name = PolicedConvNet.denseName(d);
                    float[] bias = net.parameter(name + ".bias").toFloatArray();
                    if (d.hidden() && shifted) {
                        bias = FoldedParameters.shifted(bias, null, trace.layers().get(layer++).shift().toFloatArray(), null);
                    }
                    float[] flat = net.parameter(name + ".weight").toFloatArray();
                    float[][] weight = new float[d.out()][d.in()];
                    for (int o = 0; o < d.out(); o++) {
                        System.arraycopy(flat, o * d.in(), weight[o], 0, d.in());
                    }
                    ops.add(new Layer.Dense(weight, bias));
                    if (d.hidden()) {
                        ops.add(new Layer.Activation(net.activation()));
                    }
                }
            }
            return new FoldedNetwork(new Shape(plan.c, plan.h, plan.w), ops);
        }
    }

    /**
     * One conv layer folded (the rules above): batch-norm into the weights and the per-channel
     * bias, then the pool shift and the POLICE shift into the per-position bias; with overlapping
     * windows the unit's shift follows the pool, as the pool's bias.
     *
     * @param bn gamma, beta, running mean and running variance, or null without batch-norm
     * @param bnEpsilon the batch-norm's epsilon (unused without one)
     * @param pool the max-pool's windows, or null for none
     * @param t the layer's trace, or null for no shifts (a plain network)
     * @return the conv, then the max-pool if any
     */
    private static List<Layer> conv(
            NDManager manager, NDArray weight, NDArray channelBias, NDArray[] bn, float bnEpsilon, Stencil s,
            PoolWindows pool, PolicedNetwork.LayerTrace t) {
        NDArray[] affine = bn == null ? null : NetworkLayer.BatchNorm.affine(
                copy(manager, bn[0]), copy(manager, bn[1]), copy(manager, bn[2]), copy(manager, bn[3]), bnEpsilon);
        FoldedParameters.Conv folded = FoldedParameters.conv(weight.toFloatArray(), channelBias.toFloatArray(),
                affine == null ? null : affine[0].toFloatArray(), affine == null ? null : affine[1].toFloatArray(),
                s.outH() * s.outW());
        float[] w = folded.weights();
        boolean pooled = pool != null;
        int units = pooled ? pool.outputs() : s.outputs();
        float[] shift = t != null ? t.shift().toFloatArray() : new float[units];
        float[] poolShift = !pooled ? null
                : t != null && t.poolShift() != null ? t.poolShift().toFloatArray() : new float[s.outputs()];
        float[] bias = FoldedParameters.shifted(folded.positionBias(), pool, shift, poolShift);
        boolean tiles = !pooled || pool.tiles();
        List<Layer> ops = new ArrayList<>();
        ops.add(new Layer.Conv(s.inC(), s.inH(), s.inW(), s.outC(), s.kernelH(), s.kernelW(), s.strideH(), s.strideW(),
                s.padH(), s.padW(), s.dilationH(), s.dilationW(), s.groups(), w, bias));
        if (pooled) {
            // overlapping windows: the unit's shift after the pool, as its bias
            ops.add(tiles ? new Layer.MaxPool(s.outC(), s.outH(), s.outW(), pool.kernelH(), pool.kernelW())
                    : new Layer.MaxPool(pool, t != null ? shift : null));
        }
        return ops;
    }

    /**
     * Folds any POLICEd network from the layers its forward runs, graphs included: each branch of
     * a parallel layer folds like a chain, and the shift of an activated join becomes the bias of
     * the folded {@link Layer.Parallel}. The trace's entries come in the forward's order (each
     * branch's layers, branch 0 first, then the join), which is the order read here.
     *
     * @param net an initialised POLICEd network
     * @param inputShape the shape of one input item, {@code (D)} or {@code (C, H, W)}
     * @param shifted whether to fold the shifts (false: the network as its parameters make it)
     * @return the folded network, computing the same function on the region
     */
    public static FoldedNetwork graph(PolicedNetwork net, Shape inputShape, boolean shifted) {
        List<NetworkLayer> layers = net.layerGraph();
        NetworkLayer last = layers.get(layers.size() - 1);
        NetworkLayer.Dense head = last instanceof NetworkLayer.Dense d && d.head() ? d : null;
        NDManager parent = net.getParameters().valueAt(0).getArray().getManager();
        try (NDManager manager = parent.newSubManager()) {
            net.requireFloat32("block");
            NDArray none = manager.zeros(new Shape(0, inputShape.size()), DataType.FLOAT32);
            PolicedNetwork.Trace trace =
                    shifted ? net.forwardWithTrace(new ParameterStore(manager, false), none, false) : null;
            GraphWalk walk = new GraphWalk(manager, trace, net.activation());
            long[] shape = inputShape.getShape();
            List<Layer> ops = walk.chain(head == null ? layers : layers.subList(0, layers.size() - 1), shape);
            ops.addAll(walk.flattened(walk.shape));
            if (head != null) {
                ops.add(shifted ? new Layer.Dense(matrix(trace.headWeight()), trace.headBias().toFloatArray())
                        : new Layer.Dense(matrix(head.weight().getArray()), head.bias().getArray().toFloatArray()));
            }
            return new FoldedNetwork(inputShape, ops);
        }
    }

    /** The fold's walk over a graph: the trace entries it has read and the shape it is at. */
    private static final class GraphWalk {
        final NDManager manager;
        final PolicedNetwork.Trace trace;
        final org.police4j.engine.Cpa activation;
        int next;
        long[] shape;

        GraphWalk(NDManager manager, PolicedNetwork.Trace trace, org.police4j.engine.Cpa activation) {
            this.manager = manager;
            this.trace = trace;
            this.activation = activation;
        }

        /** A chain from an item of the given shape; {@link #shape} is where it ends. */
        List<Layer> chain(List<NetworkLayer> layers, long[] in) {
            shape = in;
            List<Layer> ops = new ArrayList<>();
            for (NetworkLayer l : layers) {
                boolean activated = !(l instanceof NetworkLayer.Linear);
                NetworkLayer layer = l instanceof NetworkLayer.Linear lin ? lin.layer() : l;
                if (layer instanceof NetworkLayer.Dense d) {
                    ops.addAll(flattened(shape));
                    float[] bias = d.bias().getArray().toFloatArray();
                    float[] shift = shift(bias.length); // the trace's entry, read even for a linear layer
                    if (activated) {
                        bias = FoldedParameters.shifted(bias, null, shift, null);
                    }
                    ops.add(new Layer.Dense(matrix(d.weight().getArray()), bias));
                    shape = new long[] {bias.length};
                } else if (layer instanceof NetworkLayer.Conv c) {
                    NetworkLayer.BatchNorm bn = c.batchNorm();
                    NDArray[] norm = bn == null ? null : new NDArray[] {bn.gamma().getArray(), bn.beta().getArray(),
                            bn.runningMean().getArray(), bn.runningVar().getArray()};
                    Stencil s = c.stencil();
                    ops.addAll(conv(manager, c.weight().getArray(), c.bias().getArray(), norm,
                            bn == null ? 0 : bn.epsilon(), s, c.pool(), trace == null ? null : trace.layers().get(next++)));
                    shape = new long[] {s.outC(), c.pooledH(), c.pooledW()};
                } else if (layer instanceof NetworkLayer.MaxPool m) {
                    // the identity conv the forward ran, its bias taking the pool shift
                    NetworkLayer.Conv c = m.identity();
                    int channels = m.pool().c();
                    float[] ones = new float[channels];
                    java.util.Arrays.fill(ones, 1f);
                    ops.addAll(conv(manager, manager.create(ones, new Shape(channels, 1, 1, 1)),
                            manager.zeros(new Shape(channels)), null, 0, c.stencil(), c.pool(),
                            trace == null ? null : trace.layers().get(next++)));
                    shape = new long[] {channels, m.pool().outH(), m.pool().outW()};
                    activated = false;
                } else if (layer instanceof NetworkLayer.AveragePool a) {
                    long h = shape.length == 3 ? shape[1] : 1;
                    ops.add(new Layer.GlobalAvgPool(a.channels(), (int) h, (int) (a.positions() / h)));
                    shape = new long[] {a.channels()};
                    activated = false;
                } else if (layer instanceof NetworkLayer.AvgPool a) {
                    ops.add(new Layer.AvgPool(a.windows(), a.countIncludePad()));
                    shape = new long[] {a.windows().c(), a.windows().outH(), a.windows().outW()};
                    activated = false;
                } else if (layer instanceof NetworkLayer.Parallel p) {
                    ops.add(parallel(p, shape));
                    activated = p.activated();
                }
                if (activated) {
                    ops.add(new Layer.Activation(activation));
                }
            }
            return ops;
        }

        private Layer parallel(NetworkLayer.Parallel p, long[] in) {
            List<List<Layer>> branches = new ArrayList<>();
            long[] joined = null;
            for (List<NetworkLayer> branch : p.branches()) {
                branches.add(chain(branch, in));
                if (joined == null || p.join() == org.police4j.engine.Join.SUM) {
                    joined = shape.clone();
                } else {
                    joined[0] += shape[0];
                }
            }
            float[] shift = shift((int) java.util.Arrays.stream(joined).reduce(1, (a, b) -> a * b));
            shape = joined;
            return new Layer.Parallel(branches, p.join(), p.activated() ? shift : new float[shift.length]);
        }

        /** The next layer's shifts from the trace, or zeros without one. */
        private float[] shift(int units) {
            return trace == null ? new float[units] : trace.layers().get(next++).shift().toFloatArray();
        }

        /** A flatten when the rows are a feature map about to meet a dense layer. */
        List<Layer> flattened(long[] at) {
            if (at.length != 3) {
                return new ArrayList<>();
            }
            shape = new long[] {at[0] * at[1] * at[2]};
            return new ArrayList<>(List.of(new Layer.Flatten((int) at[0], (int) at[1], (int) at[2])));
        }
    }

    private static float[][] matrix(NDArray array) {
        return org.police4j.network.DjlExport.matrix(array);
    }

    /** A copy owned by {@code manager}, so the fold's temporaries die with it. */
    private static NDArray copy(NDManager manager, NDArray a) {
        return manager.create(a.toFloatArray(), a.getShape());
    }
}
