package org.police4j.spark;

import java.io.IOException;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.police4j.cli.data.InputException;

/**
 * Tables in and out of a job: CSV (with a header; cells read as text, then parsed by the CSV
 * reader's rules) or Parquet, told apart by the name ({@code .parquet}). Output is a directory
 * committed atomically: the job writes a hidden sibling, which is renamed to the target only
 * when the job has succeeded, and deleted when it fails, so no directory at the target ever
 * looks complete without being so.
 */
public final class Tables {

    private Tables() {}

    /** {@return whether a path names a Parquet table ({@code .parquet}), else CSV} */
    static boolean parquet(String path) {
        return path.toLowerCase(Locale.ROOT).endsWith(".parquet");
    }

    /**
     * Reads a table.
     *
     * @param spark the session
     * @param path a CSV file or directory of CSV files with a header, or a {@code .parquet} table
     * @return its rows
     * @throws InputException if the path does not exist
     */
    public static Dataset<Row> read(SparkSession spark, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(p)) {
                throw new InputException(path + ": no such file or directory");
            }
        } catch (IOException e) {
            throw new InputException(path + ": " + e.getMessage(), e);
        }
        if (parquet(path)) {
            return spark.read().parquet(path);
        }
        return spark.read().option("header", "true").option("inferSchema", "false").csv(path);
    }

    /**
     * Writes a table to a directory that appears only when complete.
     *
     * @param table the rows (the job runs here)
     * @param path the output directory (must not exist); {@code .parquet} for Parquet, else CSV with a header
     * @throws InputException if the output exists
     * @throws IOException if the file system refuses the rename
     */
    public static void write(Dataset<Row> table, String path) throws IOException {
        SparkSession spark = table.sparkSession();
        Path target = new Path(path);
        FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (fs.exists(target)) {
            throw new InputException("--out " + path + " exists; refusing to overwrite it, choose another --out or delete it");
        }
        Path parent = target.getParent() == null ? new Path(".") : target.getParent();
        Path temp = new Path(parent, "." + target.getName() + ".tmp-" + UUID.randomUUID());
        boolean done = false;
        try {
            if (parquet(path)) {
                table.write().parquet(temp.toString());
            } else {
                table.write().option("header", "true").csv(temp.toString());
            }
            if (!fs.rename(temp, target)) {
                throw new IOException("cannot rename " + temp + " to " + target);
            }
            done = true;
        } finally {
            if (!done) {
                fs.delete(temp, true);
            }
        }
    }
}
