package org.police4j.conv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
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
        NDManager parent = net.parameter(net.parameterNames().get(0)).getManager();
        try (NDManager manager = parent.newSubManager()) {
            NDArray none = manager.zeros(new Shape(0, plan.inputDimension()), DataType.FLOAT32);
            PolicedNetwork.Trace trace =
                    shifted ? net.forwardWithTrace(new ParameterStore(manager, false), none, false) : null;
            List<Layer> ops = new ArrayList<>();
            int layer = 0;
            for (Plan.Layer l : plan.layers) {
                if (l instanceof Plan.ConvLayer c) {
                    PolicedNetwork.LayerTrace t = shifted ? trace.layers().get(layer++) : null;
                    String name = "conv" + c.index();
                    NDArray w = copy(manager, net.parameter(name + ".weight"));
                    NDArray b = copy(manager, net.parameter(name + ".bias"));
                    if (c.batchNorm()) {
                        String bn = "bn" + c.index();
                        NDArray[] affine = NetworkLayer.BatchNorm.affine(
                                copy(manager, net.parameter(bn + ".gamma")),
                                copy(manager, net.parameter(bn + ".beta")),
                                copy(manager, net.parameter(bn + ".runningMean")),
                                copy(manager, net.parameter(bn + ".runningVar")));
                        NDArray scale = affine[0];
                        NDArray offset = affine[1];
                        w = w.mul(scale.reshape(c.outC(), 1, 1, 1));
                        b = b.mul(scale).add(offset);
                    }
                    float[] channelBias = b.toFloatArray();
                    float[] bias = new float[c.outC() * c.outH() * c.outW()];
                    float[] shift = shifted ? t.shift().toFloatArray() : new float[c.outC() * c.poolH() * c.poolW()];
                    float[] poolShift = shifted && t.poolShift() != null ? t.poolShift().toFloatArray() : new float[bias.length];
                    boolean tiles = !c.pooled() || c.pool().tiles();
                    float[] unitBias = tiles ? null : shift; // overlapping windows: the unit's shift after the pool
                    int kh = c.pooled() ? c.pool().kernelH() : 1;
                    int kw = c.pooled() ? c.pool().kernelW() : 1;
                    for (int o = 0; o < c.outC(); o++) {
                        for (int i = 0; i < c.outH(); i++) {
                            for (int j = 0; j < c.outW(); j++) {
                                int idx = (o * c.outH() + i) * c.outW() + j;
                                float v = channelBias[o];
                                if (!c.pooled()) {
                                    v += shift[idx];
                                } else {
                                    v -= poolShift[idx];
                                    if (tiles && i / kh < c.poolH() && j / kw < c.poolW()) {
                                        v += shift[(o * c.poolH() + i / kh) * c.poolW() + j / kw];
                                    }
                                }
                                bias[idx] = v;
                            }
                        }
                    }
                    Stage.Conv conv = c.conv();
                    ops.add(new Layer.Conv(c.inC(), c.inH(), c.inW(), c.outC(), conv.kernelH(), conv.kernelW(),
                            conv.strideH(), conv.strideW(), conv.padH(), conv.padW(), conv.dilationH(), conv.dilationW(),
                            conv.groups(), w.toFloatArray(), bias));
                    if (c.pooled()) {
                        ops.add(tiles ? new Layer.MaxPool(c.outC(), c.outH(), c.outW(), kh, kw)
                                : new Layer.MaxPool(c.pool(), shifted ? unitBias : null));
                    }
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
                        float[] shift = trace.layers().get(layer++).shift().toFloatArray();
                        for (int u = 0; u < bias.length; u++) {
                            bias[u] += shift[u];
                        }
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

    /** A copy owned by {@code manager}, so the fold's temporaries die with it. */
    private static NDArray copy(NDManager manager, NDArray a) {
        return manager.create(a.toFloatArray(), a.getShape());
    }
}
