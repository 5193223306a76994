package org.police4j.region;

// TEMPORARY STUB until the region branch is merged.
public final class VertexRegion implements Region {
    private final double[][] v;
    private final String name;
    private VertexRegion(String name, double[][] v) { this.v = v; this.name = name; }
    public static VertexRegion of(double[][] v) { return new VertexRegion("region", v); }
    public static VertexRegion of(String name, double[][] v) { return new VertexRegion(name, v); }
    public double[][] vertices() { double[][] c = new double[v.length][]; for (int i = 0; i < v.length; i++) c[i] = v[i].clone(); return c; }
    public int vertexCount() { return v.length; }
    public int dimension() { return v[0].length; }
    public String name() { return name; }
    public double[] center() { return null; }
    public boolean contains(double[] x, double tol) { return false; }
    public double[][] sample(int n, java.util.Random rng) { return null; }
    public String describe() { return name; }
}
