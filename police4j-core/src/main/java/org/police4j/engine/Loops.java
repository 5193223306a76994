package org.police4j.engine;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Independent iterations spread over the cores: the Java forwards beside the engine (the guard's
 * reference and bounds, the certificate's rigorous forward) run one output channel per iteration,
 * each writing only its own outputs, so the results are the same bits on any number of threads.
 * Why: those forwards are most of a POLICEd step of a deep CNN while PyTorch's part is small
 * (docs/ROUNDING-DEPTH.md, "Cost"), and a DJL user's PyTorch uses every core.
 *
 * <p>{@code -Dpolice4j.parallel=false} keeps them on the calling thread, as {@link #sequential}
 * does for one piece of work; otherwise they use the common fork-join pool (its size set as usual,
 * {@code java.util.concurrent.ForkJoinPool.common.parallelism}).
 */
public final class Loops {

    private static final boolean PARALLEL = !"false".equalsIgnoreCase(System.getProperty("police4j.parallel"))
            && Runtime.getRuntime().availableProcessors() > 1;

    private static final ThreadLocal<Boolean> SEQUENTIAL = ThreadLocal.withInitial(() -> false);

    private Loops() {}

    /**
     * {@return what {@code work} returns, every loop it starts run on the calling thread} (a Spark
     * task that has its own core, or a test comparing the bits of both ways)
     *
     * @param work the work
     * @param <T> its result
     */
    public static <T> T sequential(Supplier<T> work) {
        boolean was = SEQUENTIAL.get();
        SEQUENTIAL.set(true);
        try {
            return work.get();
        } finally {
            SEQUENTIAL.set(was);
        }
    }

    /**
     * Runs {@code body(i)} for {@code 0 <= i < n}, in any order and on any threads; returns when
     * every one has run (an exception thrown by one is rethrown here).
     *
     * @param n the number of iterations
     * @param body one iteration, writing nothing another iteration reads or writes
     */
    public static void parallel(int n, IntConsumer body) {
        if (!PARALLEL || n < 2 || SEQUENTIAL.get() || ForkJoinPool.commonPool().getParallelism() < 1) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        IntStream.range(0, n).parallel().forEach(body);
    }
}
