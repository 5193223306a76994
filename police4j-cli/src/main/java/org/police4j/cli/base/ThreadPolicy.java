package org.police4j.cli.base;

import java.util.Locale;
import org.police4j.cli.data.InputException;

/**
 * How many PyTorch threads a command uses, decided once before any engine starts. The default
 * is ONE intra-op and one inter-op thread: the networks of this command line are small, and
 * PyTorch's own default (one thread per core, spinning OpenMP workers) collapses on a busy
 * machine (measured in docs/DETERMINISM.md, with {@code police4j-bench/busy-machine.sh}). One thread also fixes PyTorch's summation order,
 * so that a seed gives the same numbers on every machine whatever its core count. The user's
 * choice wins: {@code --threads N}, the system property {@value #INTRA_OP} or the environment
 * variable {@code OMP_NUM_THREADS} (which PyTorch itself reads).
 */
public final class ThreadPolicy {

    /** DJL's system property for PyTorch's intra-op threads, read when the engine starts. */
    public static final String INTRA_OP = "ai.djl.pytorch.num_threads";

    /** DJL's system property for PyTorch's inter-op threads, read when the engine starts. */
    public static final String INTER_OP = "ai.djl.pytorch.num_interop_threads";

    /** The environment variable PyTorch (OpenMP) reads when no thread count is set. */
    public static final String OMP_ENV = "OMP_NUM_THREADS";

    private static volatile String source = "default";

    private ThreadPolicy() {}

    /**
     * Sets the thread properties for this run (no effect on an engine that already started).
     *
     * @param threads {@code --threads}, or null when not given
     * @throws InputException if {@code threads} is not positive
     */
    public static void apply(Integer threads) {
        apply(threads, System.getenv(OMP_ENV));
    }

    static void apply(Integer threads, String ompEnv) {
        if (threads != null) {
            if (threads <= 0) {
                throw new InputException("--threads: " + threads + "; expected a positive integer");
            }
            System.setProperty(INTRA_OP, String.valueOf(threads));
            System.setProperty(INTER_OP, String.valueOf(threads));
            source = "--threads";
            return;
        }
        if (System.getProperty(INTRA_OP) != null) {
            source = "-D" + INTRA_OP;
        } else if (ompEnv != null && !ompEnv.isBlank()) {
            source = OMP_ENV;
        } else {
            System.setProperty(INTRA_OP, "1");
            source = "default";
        }
        if (System.getProperty(INTER_OP) == null) {
            System.setProperty(INTER_OP, "1");
        }
    }

    /**
     * The intra-op thread count in force and where it came from, e.g. {@code "1 (default)"},
     * {@code "2 (--threads)"}, {@code "4 (OMP_NUM_THREADS)"}.
     */
    public static String describe() {
        String n = System.getProperty(INTRA_OP);
        if (n == null) {
            String omp = System.getenv(OMP_ENV);
            n = omp == null ? "PyTorch's default" : omp.strip();
        }
        return String.format(Locale.ROOT, "%s (%s)", n, source);
    }
}
