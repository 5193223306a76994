package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.List;

/**
 * How the branches of a parallel layer (DJL's {@code ParallelBlock}) are combined, for training
 * and for the folded network alike. Rows are flat and channel-major, so concatenating feature maps
 * along channels and vectors along features are both the concatenation of rows along axis 1.
 */
public enum Join {
    /** The elementwise sum of branches of one output size (ResNet's residual unit). */
    SUM,
    /** The concatenation of the branches' values in branch order (GoogLeNet, SqueezeNet). */
    CONCAT;

    /**
     * {@return the branches' rows joined}
     *
     * @param rows one (N, units) array per branch, in branch order
     */
    public NDArray apply(List<NDArray> rows) {
        if (this == CONCAT) {
            return rows.size() == 1 ? rows.get(0) : NDArrays.concat(new NDList(rows), 1);
        }
        NDArray sum = rows.get(0);
        for (int b = 1; b < rows.size(); b++) {
            sum = sum.add(rows.get(b));
        }
        return sum;
    }
}
