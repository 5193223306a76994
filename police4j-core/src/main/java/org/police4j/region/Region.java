package org.police4j.region;
// TEMPORARY STUB until the region branch is merged.
public interface Region {
    int dimension();
    double[] center();
    boolean contains(double[] x, double tolerance);
    double[][] sample(int n, java.util.Random rng);
    String describe();
}
