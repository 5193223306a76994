package org.police4j.conv;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import org.police4j.region.VertexRegion;

/** {@link TrainedCnnTest}'s synthetic images, region and training loop, for tests in other packages. */
public final class TrainedCnnTestAccess {

    /** The number of training images. */
    public static final int N = TrainedCnnTest.N;

    private TrainedCnnTestAccess() {}

    /**
     * @param n how many
     * @param labels filled with the classes
     * @param seed the images' seed
     * @return n 28x28 images, row-major
     */
    public static float[] images(int n, float[] labels, long seed) {
        return TrainedCnnTest.images(n, labels, seed);
    }

    /**
     * @param x the images
     * @param image which one is the centre
     * @return the 16-vertex region around it
     */
    public static VertexRegion region(float[] x, int image) {
        return TrainedCnnTest.region(x, image);
    }

    /**
     * AdamW (lr 0.01), batch 32, fixed seed.
     *
     * @param model the model holding the network
     * @param x images
     * @param y labels
     * @param steps how many steps
     */
    public static void train(Model model, NDArray x, NDArray y, int steps) {
        TrainedCnnTest.train(model, x, y, new double[steps], new long[steps]);
    }
}
