package org.police4j.engine;

import java.util.List;

/**
 * Conv geometries whose rows of outputs start and end in every way a stencil allows: strides 1,
 * 2 and 3, padding, dilation, groups, non-square kernels and maps, a kernel wider than the
 * padded map's edge runs. Shared by the tests of the stencil's walks and of the sums over them.
 */
final class StencilGeometries {

    private StencilGeometries() {}

    /** {@return the stencils} */
    static List<Stencil> all() {
        // inC, inH, inW, outC, kH, kW, strideH, strideW, padH, padW, dilationH, dilationW, groups
        int[][] geometries = {
            {3, 9, 11, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
            {4, 10, 9, 6, 3, 2, 2, 2, 1, 0, 1, 1, 2},
            {2, 12, 12, 2, 3, 3, 1, 2, 2, 1, 2, 2, 2},
            {4, 7, 8, 4, 1, 1, 1, 1, 0, 0, 1, 1, 4},
            {1, 6, 13, 3, 2, 5, 1, 3, 0, 2, 1, 1, 1},
            {2, 5, 5, 2, 5, 5, 3, 3, 4, 4, 1, 1, 1},
        };
        return java.util.Arrays.stream(geometries).map(g -> {
            int outH = (g[1] + 2 * g[8] - g[10] * (g[4] - 1) - 1) / g[6] + 1;
            int outW = (g[2] + 2 * g[9] - g[11] * (g[5] - 1) - 1) / g[7] + 1;
            return new Stencil(g[0], g[1], g[2], g[3], outH, outW, g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12]);
        }).toList();
    }
}
