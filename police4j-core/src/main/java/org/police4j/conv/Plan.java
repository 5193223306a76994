package org.police4j.conv;

import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.Cpa;
import org.police4j.engine.PoolWindows;

/**
 * The stages of a {@link PolicedConvNet} checked and compiled into layers with their shapes.
 * A conv layer is a group {@code conv [batchNorm] [maxPool]} followed by the activation; a dense
 * layer is followed by the activation unless it is the head.
 */
final class Plan {

    /** A compiled layer. */
    sealed interface Layer {}

    /**
     * conv (in -> out feature map), optional batch-norm ({@code norm}, null = none), optional
     * max-pool over {@code pool}'s windows (null = none), activation. {@code units} is the number
     * of activation units: out channels x pooled rows x pooled cols.
     */
    record ConvLayer(
            int index,
            Stage.Conv conv,
            int inC,
            int inH,
            int inW,
            int outH,
            int outW,
            Stage.BatchNorm norm,
            PoolWindows pool)
            implements Layer {
        boolean batchNorm() {
            return norm != null;
        }

        int outC() {
            return conv.channels();
        }

        boolean pooled() {
            return pool != null;
        }

        int poolH() {
            return pooled() ? pool.outH() : outH;
        }

        int poolW() {
            return pooled() ? pool.outW() : outW;
        }

        /** The shape the activation sees: (C', H'', W''). */
        int actH() {
            return poolH();
        }

        int actW() {
            return poolW();
        }

        int units() {
            return outC() * actH() * actW();
        }
    }

    /**
     * Max-pooling of the values as they are (activated, or linear): after a join, first in a
     * branch, after another pool. No units; its pool shift folds into a bias before the max.
     *
     * @param windows the windows on the (C, H, W) map
     */
    record PoolLayer(PoolWindows windows) implements Layer {}

    /** Average pooling of a feature map over its windows. */
    record AvgPoolLayer(PoolWindows windows, boolean countIncludePad) implements Layer {}

    /** Global average pooling of a (c, h, w) map. */
    record GapLayer(int c, int h, int w) implements Layer {}

    /**
     * A conv group or hidden dense layer without activation.
     *
     * @param layer a {@link ConvLayer} or a hidden {@link DenseLayer}
     */
    record LinearLayer(Layer layer) implements Layer {}

    /**
     * Branches joined (see {@link Stage.Parallel}).
     *
     * @param branches each branch's layers
     * @param join how they are combined
     * @param activated whether the activation follows the join
     */
    record ParallelLayer(List<List<Layer>> branches, org.police4j.engine.Join join, boolean activated) implements Layer {}

    /** Flatten of a (c, h, w) map. */
    record FlattenLayer(int c, int h, int w) implements Layer {}

    /** A dense layer; the head when {@code !hidden}. */
    record DenseLayer(int index, int in, int out, boolean hidden) implements Layer {}

    final int c;
    final int h;
    final int w;
    final List<Layer> layers;
    final int outputs;
    /** Whether the network ends with a linear head (else its outputs are the last stage's vector). */
    final boolean head;
    /** Conv and dense layers, the head included: what dropout indices count. */
    final int layerCount;

    /**
     * Compiles the stages.
     *
     * @param outputs the head's width K, or ignored without a head
     * @param head whether a linear head of {@code outputs} units follows the stages
     */
    Plan(int c, int h, int w, List<Stage> stages, int outputs, boolean head, Cpa activation) {
        if (c <= 0 || h <= 0 || w <= 0) {
            throw new IllegalArgumentException(
                    "input shape: (" + c + ", " + h + ", " + w + "), expected positive (C, H, W)");
        }
        if (head && outputs <= 0) {
            throw new IllegalArgumentException("outputs: " + outputs + ", expected > 0; call outputs(K)");
        }
        this.c = c;
        this.h = h;
        this.w = w;
        this.head = head;
        At at = new At(c, h, w);
        List<Layer> out = chain(stages, at, "stage ", activation);
        int vector = at.vector;
        int index = at.index;
        if (vector < 0) {
            throw new IllegalArgumentException(head
                    ? "outputs: the head needs a vector; add flatten() or globalAvgPool() before outputs(K)"
                    : "outputs: a network without head outputs its last stage's vector; end with flatten() or"
                            + " globalAvgPool()");
        }
        if (head) {
            out.add(new DenseLayer(index, vector, outputs, false));
            index++;
        } else if (out.isEmpty()) {
            throw new IllegalArgumentException("stages: none and no head; expected at least one layer");
        }
        this.outputs = head ? outputs : vector;
        this.layerCount = index;
        this.layers = List.copyOf(out);
    }

    /** Where a chain of stages is: a map (mc, mh, mw) while vector &lt; 0, else a vector; and the next layer's index. */
    private static final class At {
        int mc;
        int mh;
        int mw;
        int vector = -1;
        int index;

        At(int mc, int mh, int mw) {
            this.mc = mc;
            this.mh = mh;
            this.mw = mw;
        }
    }

    /** The layers of a chain of stages from {@code at}, which is moved to where the chain ends. */
    private static List<Layer> chain(List<Stage> stages, At at, String prefix, Cpa activation) {
        List<Layer> out = new ArrayList<>();
        int mc = at.mc;
        int mh = at.mh;
        int mw = at.mw;
        int vector = at.vector;
        for (int s = 0; s < stages.size(); s++) {
            Stage st = stages.get(s);
            String where = prefix + s + " (" + st.type() + ")";
            if (st instanceof Stage.Conv conv) {
                if (vector >= 0) {
                    throw new IllegalArgumentException(where + ": conv after the map was flattened");
                }
                if (mc % conv.groups() != 0) {
                    throw new IllegalArgumentException(
                            where + ": groups " + conv.groups() + " do not divide the " + mc + " input channels");
                }
                if (mh + 2 * conv.padH() < conv.spanH() || mw + 2 * conv.padW() < conv.spanW()) {
                    String kernel = conv.square() ? "kernel " + conv.kernelH()
                            : "kernel (" + conv.kernelH() + ", " + conv.kernelW() + ")";
                    throw new IllegalArgumentException(
                            where + ": " + kernel + " larger than the padded map (" + mh + ", " + mw + ")");
                }
                int oh = conv.outH(mh);
                int ow = conv.outW(mw);
                Stage.BatchNorm bn = null;
                PoolWindows pool = null;
                if (s + 1 < stages.size() && stages.get(s + 1) instanceof Stage.BatchNorm norm) {
                    bn = norm;
                    s++;
                }
                if (s + 1 < stages.size() && stages.get(s + 1) instanceof Stage.MaxPool mp) {
                    if (!activation.nonDecreasing()) {
                        throw new IllegalArgumentException(
                                prefix + (s + 1) + " (maxPool): max-pooling needs a non-decreasing activation,"
                                        + " because POLICE pools the pre-activations (max(s(a), s(b)) = s(max(a, b))"
                                        + " only for non-decreasing s); " + activation.id() + " is not: use relu, leaky_relu,"
                                        + " relu6 or hardtanh");
                    }
                    if (oh + 2 * mp.padH() < mp.kernelH() || ow + 2 * mp.padW() < mp.kernelW()) {
                        String window = mp.square() ? "window " + mp.kernelH()
                                : "window (" + mp.kernelH() + ", " + mp.kernelW() + ")";
                        throw new IllegalArgumentException(
                                prefix + (s + 1) + " (maxPool): " + window + " larger than the map (" + oh + ", " + ow + ")");
                    }
                    pool = new PoolWindows(conv.channels(), oh, ow, mp.kernelH(), mp.kernelW(), mp.strideH(), mp.strideW(),
                            mp.padH(), mp.padW(), mp.ceilMode());
                    s++;
                }
                ConvLayer layer = new ConvLayer(at.index++, conv, mc, mh, mw, oh, ow, bn, pool);
                out.add(layer);
                mc = conv.channels();
                mh = layer.actH();
                mw = layer.actW();
            } else if (st instanceof Stage.Linear) {
                if (out.isEmpty() || !(out.get(out.size() - 1) instanceof ConvLayer || out.get(out.size() - 1) instanceof DenseLayer)) {
                    throw new IllegalArgumentException(where + ": linear must directly follow a conv group or a dense layer");
                }
                out.set(out.size() - 1, new LinearLayer(out.get(out.size() - 1)));
            } else if (st instanceof Stage.Parallel par) {
                List<List<Layer>> branches = new ArrayList<>();
                At joined = null;
                for (int b = 0; b < par.branches().size(); b++) {
                    At branch = new At(mc, mh, mw);
                    branch.vector = vector;
                    branch.index = at.index;
                    branches.add(chain(par.branches().get(b), branch, prefix + s + " branch " + b + " stage ", activation));
                    at.index = branch.index;
                    joined = join(joined, branch, par.join(), where + " branch " + b);
                }
                out.add(new ParallelLayer(branches, par.join(), par.activated()));
                mc = joined.mc;
                mh = joined.mh;
                mw = joined.mw;
                vector = joined.vector;
            } else if (st instanceof Stage.AvgPool ap) {
                PoolWindows windows = windows(where + ": average pooling", vector, mc, mh, mw, ap.kernelH(), ap.kernelW(),
                        ap.strideH(), ap.strideW(), ap.padH(), ap.padW(), ap.ceilMode());
                out.add(new AvgPoolLayer(windows, ap.countIncludePad()));
                mh = windows.outH();
                mw = windows.outW();
            } else if (st instanceof Stage.BatchNorm) {
                throw new IllegalArgumentException(
                        where + ": batchNorm must directly follow a conv (it is folded into that conv)");
            } else if (st instanceof Stage.MaxPool mp) {
                // not directly after a conv [batchNorm]: a pool of the values as they are
                PoolWindows windows = windows(where + ": max-pooling", vector, mc, mh, mw, mp.kernelH(), mp.kernelW(),
                        mp.strideH(), mp.strideW(), mp.padH(), mp.padW(), mp.ceilMode());
                out.add(new PoolLayer(windows));
                mh = windows.outH();
                mw = windows.outW();
            } else if (st instanceof Stage.Flatten || st instanceof Stage.GlobalAvgPool) {
                if (vector >= 0) {
                    throw new IllegalArgumentException(where + ": the input is already a vector");
                }
                if (st instanceof Stage.Flatten) {
                    out.add(new FlattenLayer(mc, mh, mw));
                    vector = mc * mh * mw;
                } else {
                    out.add(new GapLayer(mc, mh, mw));
                    vector = mc;
                }
            } else {
                Stage.Dense d = (Stage.Dense) st;
                if (vector < 0) {
                    throw new IllegalArgumentException(
                            where + ": dense after a feature map; add flatten() or globalAvgPool() first");
                }
                out.add(new DenseLayer(at.index++, vector, d.width(), true));
                vector = d.width();
            }
        }
        at.mc = mc;
        at.mh = mh;
        at.mw = mw;
        at.vector = vector;
        return out;
    }

    /** A pool's windows on the (mc, mh, mw) map, refused after a flatten or when a padded window does not fit. */
    private static PoolWindows windows(
            String what, int vector, int mc, int mh, int mw, int kh, int kw, int sh, int sw, int ph, int pw, boolean ceil) {
        if (vector >= 0) {
            throw new IllegalArgumentException(what + " after the map was flattened");
        }
        if (mh + 2 * ph < kh || mw + 2 * pw < kw) {
            throw new IllegalArgumentException(what + ": window (" + kh + ", " + kw + ") larger than the padded map ("
                    + mh + ", " + mw + ")");
        }
        return new PoolWindows(mc, mh, mw, kh, kw, sh, sw, ph, pw, ceil);
    }

    /** The shape after joining one more branch (ending at {@code branch}) to those joined so far. */
    private static At join(At joined, At branch, org.police4j.engine.Join join, String where) {
        if (joined == null) {
            return branch;
        }
        boolean maps = joined.vector < 0 && branch.vector < 0;
        if (join == org.police4j.engine.Join.SUM
                ? maps ? joined.mc != branch.mc || joined.mh != branch.mh || joined.mw != branch.mw : joined.vector != branch.vector
                : maps ? joined.mh != branch.mh || joined.mw != branch.mw : joined.vector < 0 || branch.vector < 0) {
            throw new IllegalArgumentException(where + ": ends at " + shape(branch) + ", the branches before at "
                    + shape(joined) + "; a sum joins equal shapes, a concatenation maps of one height and width or vectors");
        }
        if (join == org.police4j.engine.Join.CONCAT) {
            if (maps) {
                joined.mc += branch.mc;
            } else {
                joined.vector += branch.vector;
            }
        }
        return joined;
    }

    private static String shape(At at) {
        return at.vector >= 0 ? "(" + at.vector + ")" : "(" + at.mc + ", " + at.mh + ", " + at.mw + ")";
    }

    int inputDimension() {
        return c * h * w;
    }
}
