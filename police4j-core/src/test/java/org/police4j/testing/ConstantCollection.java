package org.police4j.testing;

import java.util.function.Supplier;

/**
 * Runs work with a thread calling {@code System.gc()} nonstop beside it: memory a closed array
 * left behind (DJL builds arrays from host data over the Java buffer) is freed and reused while
 * the work still reads it, so a result that depends on it changes.
 */
public final class ConstantCollection {

    private ConstantCollection() {}

    /**
     * {@return what {@code work} returns, computed under constant collection}
     *
     * @param work the work
     * @param <T> its result
     * @throws InterruptedException if interrupted while stopping the collector
     */
    public static <T> T during(Supplier<T> work) throws InterruptedException {
        Thread collector = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                Thread.onSpinWait();
            }
        }, "gc-pressure");
        collector.setDaemon(true);
        collector.start();
        try {
            return work.get();
        } finally {
            collector.interrupt();
            collector.join();
        }
    }
}
