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
 * does for the loops one thread starts; otherwise they use the common fork-join pool (its size set as usual,
 * {@code java.util.concurrent.ForkJoinPool.common.parallelism}).
 */
public final class Loops {

    private static final boolean PARALLEL = !"false".equalsIgnoreCase(System.getProperty("police4j.parallel"))
            && Runtime.getRuntime().availableProcessors() > 1;

    /** The multiply-adds below which a loop stays on the calling thread. */
    public static final long WORTH_SPLITTING = 1L << 16;

    /** How the loops this thread starts run: null by their size, TRUE all split, FALSE none. */
    private static final ThreadLocal<Boolean> SPLIT = new ThreadLocal<>();

    private Loops() {}

    /**
     * {@return what {@code work} returns, every loop it starts on this thread run on this thread}
     * (a Spark task that has its own core, or a test comparing the bits of both ways)
     *
     * @param work the work
     * @param <T> its result
     */
    public static <T> T sequential(Supplier<T> work) {
        return with(false, work);
    }

    /**
     * {@return what {@code work} returns, every loop it starts on this thread split over the pool
     * whatever its size} (for tests: small loops run the way large ones do)
     *
     * @param work the work
     * @param <T> its result
     */
    public static <T> T split(Supplier<T> work) {
        return with(true, work);
    }

    private static <T> T with(boolean split, Supplier<T> work) {
        Boolean was = SPLIT.get();
        SPLIT.set(split);
        try {
            return work.get();
        } finally {
            SPLIT.set(was);
        }
    }

    /**
     * Runs {@code body(i)} for {@code 0 <= i < n}, in any order and on any threads; returns when
     * every one has run (an exception thrown by one is rethrown here, as it was thrown). Loops of less than {@link
     * #WORTH_SPLITTING} multiply-adds stay on the calling thread, where handing out the tasks
     * would cost more than they save (a small MLP's layers).
     *
     * @param n the number of iterations
     * @param work about how many multiply-adds one iteration does
     * @param body one iteration, writing nothing another iteration reads or writes
     */
    public static void parallel(int n, long work, IntConsumer body) {
        Boolean split = SPLIT.get();
        boolean worth = split != null ? split : PARALLEL && (long) n * work >= WORTH_SPLITTING;
        if (!worth || n < 2 || ForkJoinPool.commonPool().getParallelism() < 1) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        try {
            IntStream.range(0, n).parallel().forEach(body);
        } catch (RuntimeException e) {
            // a task that failed on another thread comes back as a copy wrapping it: give the caller
            // the task's own exception, with its own message
            if (e.getCause() instanceof RuntimeException own && own.getClass() == e.getClass()) {
                throw own;
            }
            throw e;
        }
    }
}
