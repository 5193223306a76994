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
    static final String MASTER_HELP = "Spark master URL (default: spark-submit's --master, else local[*], this machine's cores, no cluster).";

    /** The help text of {@code --app-jar}. */
    static final String APP_JAR_HELP = "The jar executors of a cluster load police4j from"
            + " (default: the jar this command runs from).";

    private Sessions() {}

    /**
     * Starts (or joins) a session. What the user set as a system property (as {@code spark-submit}
     * passes its {@code --master}, {@code --conf} and {@code --jars}) is kept: the master when none
     * is given here, the driver's address, the application jars; the executors' Java options get
     * the thread settings added to the user's.
     *
     * @param master a Spark master URL, or null for {@code spark-submit}'s {@code --master}, else {@value #LOCAL}
     * @param appJar the jar holding police4j's classes, which executors of a cluster load (null: in
     *     local mode none, on a cluster the jar this class was loaded from, when it is one)
     * @return the session
     */
    public static SparkSession start(String master, String appJar) {
        String url = master != null ? master : System.getProperty("spark.master", LOCAL);
        String threads = "-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 -DOPT_OUT_TRACKING=true";
        String userOptions = System.getProperty("spark.executor.extraJavaOptions");
        SparkSession.Builder b = SparkSession.builder()
                .appName("police4j")
                .master(url)
                .config("spark.executor.extraJavaOptions", userOptions == null ? threads : userOptions + " " + threads)
                .config("spark.executorEnv.OPT_OUT_TRACKING", "true");
        if (System.getProperty("spark.ui.enabled") == null) {
            b.config("spark.ui.enabled", "false");
        }
        if (System.getProperty("spark.driver.host") == null && loopback(url)) {
            // these machines' other interface is not reachable: a local or loopback cluster talks on 127.0.0.1
            b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
        }
        String jar = appJar;
        if (jar == null && !url.startsWith("local") && blank(System.getProperty("spark.jars"))) {
            String where = Sessions.class.getProtectionDomain().getCodeSource().getLocation().getPath();
            jar = where.endsWith(".jar") ? where : null;
        }
        if (jar != null) {
            String user = System.getProperty("spark.jars");
            b.config("spark.jars", blank(user) ? jar : user + "," + jar);
        }
        return b.getOrCreate();
    }

    /**
     * {@return whether a master runs on this machine's loopback address: local mode, or a cluster
     * URL whose host is localhost or 127.x (a remote cluster's executors must reach the driver on
     * an address of the network, Spark's default)}
     *
     * @param master a master URL
     */
    static boolean loopback(String master) {
        if (master.startsWith("local")) {
            return true;
        }
        String rest = master.contains("://") ? master.substring(master.indexOf("://") + 3) : master;
        return rest.startsWith("127.") || rest.startsWith("localhost") || rest.startsWith("[::1]");
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
