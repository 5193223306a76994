package org.police4j.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The sessions police4j starts: {@code local[*]} unless a master URL is given, the driver bound to
 * the loopback address unless the user set another ({@code spark.driver.host}), one PyTorch thread
 * per task (Spark's slots are the parallelism) and DJL's usage tracking off in every executor.
 */
public final class Sessions {

    /** The default master: every core of this machine, no cluster. */
    public static final String LOCAL = "local[*]";

    /** The help text of {@code --master}. */
    static final String MASTER_HELP = "Spark master URL (default: local[*], this machine's cores, no cluster).";

    /** The help text of {@code --app-jar}. */
    static final String APP_JAR_HELP = "The jar executors of a cluster load police4j from"
            + " (default: the jar this command runs from).";

    private Sessions() {}

    /**
     * Starts (or joins) a session.
     *
     * @param master a Spark master URL, or null for {@value #LOCAL}
     * @param appJar the jar holding police4j's classes, which executors of a cluster load (null: in
     *     local mode none, on a cluster the jar this class was loaded from, when it is one)
     * @return the session
     */
    public static SparkSession start(String master, String appJar) {
        String threads = "-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 -DOPT_OUT_TRACKING=true";
        SparkSession.Builder b = SparkSession.builder()
                .appName("police4j")
                .master(master == null ? LOCAL : master)
                .config("spark.ui.enabled", "false")
                .config("spark.executor.extraJavaOptions", threads)
                .config("spark.executorEnv.OPT_OUT_TRACKING", "true");
        if (System.getProperty("spark.driver.host") == null) {
            b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
        }
        String jar = appJar;
        if (jar == null && master != null && !master.startsWith("local")) {
            String where = Sessions.class.getProtectionDomain().getCodeSource().getLocation().getPath();
            jar = where.endsWith(".jar") ? where : null;
        }
        if (jar != null) {
            b.config("spark.jars", jar);
        }
        return b.getOrCreate();
    }
}
