package org.police4j.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.Cpa;

/** One golden-vector case (format: the test resources' golden/README.md). */
public record GoldenCase(
        String name,
        Cpa activation,
        double[][] vertices,
        List<double[][]> weights,
        List<double[]> biases,
        double[][] inputs,
        List<double[]> signs,
        List<double[]> shifts,
        double[][] outputs,
        double[][] vertexOutputs,
        double loss,
        List<double[][]> weightGrads,
        List<double[]> biasGrads) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static GoldenCase read(Path file) throws IOException {
        JsonNode root = JSON.readTree(Files.readAllBytes(file));
        Cpa cpa = activation(root, file);
        List<double[][]> w = new ArrayList<>();
        List<double[]> b = new ArrayList<>();
        for (JsonNode layer : root.get("layers")) {
            w.add(matrix(layer.get("weight")));
            b.add(vector(layer.get("bias")));
        }
        JsonNode e = root.get("expected");
        List<double[][]> gw = new ArrayList<>();
        List<double[]> gb = new ArrayList<>();
        for (JsonNode g : e.get("grads")) {
            gw.add(matrix(g.get("weight")));
            gb.add(vector(g.get("bias")));
        }
        return new GoldenCase(
                root.has("name") ? root.get("name").asText() : file.getFileName().toString(),
                cpa,
                matrix(root.get("vertices")),
                w,
                b,
                matrix(root.get("inputs")),
                vectors(e.get("signs")),
                vectors(e.get("shifts")),
                matrix(e.get("outputs")),
                matrix(e.get("vertex_outputs")),
                e.get("loss_mean_square_outputs").asDouble(),
                gw,
                gb);
    }

    /**
     * The case's activation: {@code relu}, {@code abs}, {@code leaky_relu} (with {@code
     * negative_slope}), or any name {@code Cpa.parse} knows ({@code relu6}, {@code hardtanh},
     * {@code piecewise:...}).
     */
    static Cpa activation(JsonNode root, Path file) throws IOException {
        String act = root.get("activation").asText();
        switch (act) {
            case "relu":
                return Cpa.relu();
            case "abs":
                return Cpa.abs();
            case "leaky_relu":
                return Cpa.leakyRelu(root.path("negative_slope").asDouble(Cpa.DEFAULT_LEAK));
            default:
                try {
                    return Cpa.parse(act); // relu6, hardtanh, piecewise:...
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ": unknown activation " + act, e);
                }
        }
    }

    static List<double[]> vectors(JsonNode node) {
        List<double[]> out = new ArrayList<>();
        for (JsonNode n : node) {
            out.add(vector(n));
        }
        return out;
    }

    static double[] vector(JsonNode node) {
        double[] v = new double[node.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = node.get(i).asDouble();
        }
        return v;
    }

    static double[][] matrix(JsonNode node) {
        double[][] m = new double[node.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = vector(node.get(i));
        }
        return m;
    }

    public int[] hiddenWidths() {
        int[] widths = new int[weights.size() - 1];
        for (int l = 0; l < widths.length; l++) {
            widths[l] = weights.get(l).length;
        }
        return widths;
    }

    public int outputCount() {
        return weights.get(weights.size() - 1).length;
    }
}
