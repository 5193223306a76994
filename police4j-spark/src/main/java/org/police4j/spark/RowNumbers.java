package org.police4j.spark;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;

/**
 * Rows numbered across a whole table without a shuffle: each partition's size is counted on the
 * very RDD that is read afterwards (so the same partitions, whatever the plan), and a partition's
 * rows are numbered from the sum of the sizes before it. The messages of bad cells ("row 12") and
 * the batch-invariant placement of predictions rest on these numbers.
 */
final class RowNumbers {

    private RowNumbers() {}

    /**
     * The table-wide number of each partition's first row, and the total at the end.
     *
     * @param <T> the rows' type
     * @param rows the rows (counted in one job; the rows are not turned into anything)
     * @return {@code partitions + 1} numbers, the first 0, the last the number of rows
     */
    static <T> long[] firstRows(JavaRDD<T> rows) {
        List<long[]> sizes = rows.mapPartitionsWithIndex((Integer p, Iterator<T> it) -> {
            long n = 0;
            while (it.hasNext()) {
                it.next();
                n++;
            }
            return List.of(new long[] {p, n}).iterator();
        }, true).collect();
        long[] first = new long[rows.getNumPartitions() + 1];
        for (long[] s : sizes) {
            first[(int) s[0] + 1] = s[1];
        }
        for (int p = 0; p + 1 < first.length; p++) {
            first[p + 1] += first[p];
        }
        return first;
    }

    /**
     * Row numbers 0..n-1 cut into consecutive ranges of {@code ceil(n / partitions)} rows, one per
     * partition (the last ones shorter or empty): the rows of a task stay in the table's order, and
     * the tasks in turn, with no sampling job (Spark's {@code sortByKey} samples the keys first).
     */
    static final class Ranges extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final long rows;
        private final int partitions;
        private final long perRange;

        /**
         * The ranges.
         *
         * @param rows how many rows ({@code >= 0})
         * @param partitions how many ranges ({@code >= 1})
         */
        Ranges(long rows, int partitions) {
            this.rows = rows;
            this.partitions = partitions;
            this.perRange = Math.max(1, (rows + partitions - 1) / partitions);
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Math.min(partitions - 1, (Long) key / perRange);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ranges r && r.rows == rows && r.partitions == partitions;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(rows) * 31 + partitions;
        }
    }
}
