package org.police4j.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.police4j.conv.Stage;
import org.police4j.engine.Cpa;
import org.police4j.engine.Join;

/**
 * One CNN golden-vector case (format: the test resources' golden/cnn/README.md), read into the
 * stages a {@link org.police4j.conv.PolicedConvNet} is built from and the parameters in the
 * network's own order (convs and dense layers in evaluation order, branches in order, the head
 * last; weight before bias).
 *
 * @param name the case
 * @param activation the activation after every unit
 * @param inputShape C, H, W
 * @param vertices P x C*H*W, flattened channel-major
 * @param inputs N x C*H*W data rows
 * @param stages the hidden stages
 * @param outputs the head's width K
 * @param parameters every weight and bias, flattened, in parameter order
 * @param units per layer of units (conv groups, dense layers, joins) in evaluation order
 * @param outputsExpected N x K outputs
 * @param vertexOutputs P x K vertex outputs
 * @param loss mean over all entries of outputs squared
 * @param grads per parameter, flattened, the loss's gradient
 */
public record CnnGoldenCase(
        String name,
        Cpa activation,
        int[] inputShape,
        double[][] vertices,
        double[][] inputs,
        List<Stage> stages,
        int outputs,
        List<double[]> parameters,
        List<Unit> units,
        double[][] outputsExpected,
        double[][] vertexOutputs,
        double loss,
        List<double[]> grads) {

    /**
     * One layer of units as the reference computed it.
     *
     * @param signs the majority signs, or null for a layer left linear
     * @param shift the POLICE shift per unit (zeros for a linear layer)
     * @param poolShift the max-pool shift per position before the pool (C, H, W) flattened, or null
     */
    public record Unit(double[] signs, double[] shift, double[] poolShift) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads one case.
     *
     * @param file the JSON file
     * @return the case
     * @throws IOException if the file cannot be read or holds an unknown layer type
     */
    public static CnnGoldenCase read(Path file) throws IOException {
        JsonNode root = JSON.readTree(Files.readAllBytes(file));
        List<Stage> stages = new ArrayList<>();
        List<double[]> params = new ArrayList<>();
        int[] outputs = {-1};
        stages(root.get("layers"), stages, params, outputs, file);
        JsonNode e = root.get("expected");
        List<Unit> units = new ArrayList<>();
        for (JsonNode u : e.get("units")) {
            units.add(new Unit(
                    u.get("signs").isNull() ? null : GoldenCase.vector(u.get("signs")),
                    GoldenCase.vector(u.get("shift")),
                    u.get("pool_shift").isNull() ? null : GoldenCase.vector(u.get("pool_shift"))));
        }
        List<double[]> grads = new ArrayList<>();
        for (JsonNode g : e.get("grads")) {
            grads.add(flat(g));
        }
        JsonNode shape = root.get("input_shape");
        return new CnnGoldenCase(root.get("name").asText(), GoldenCase.activation(root, file),
                new int[] {shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt()},
                GoldenCase.matrix(root.get("vertices")), GoldenCase.matrix(root.get("inputs")), stages, outputs[0],
                params, units, GoldenCase.matrix(e.get("outputs")), GoldenCase.matrix(e.get("vertex_outputs")),
                e.get("loss_mean_square_outputs").asDouble(), grads);
    }

    private static void stages(JsonNode layers, List<Stage> stages, List<double[]> params, int[] outputs, Path file)
            throws IOException {
        for (int i = 0; i < layers.size(); i++) {
            JsonNode l = layers.get(i);
            String type = l.get("type").asText();
            switch (type) {
                case "conv" -> {
                    JsonNode w = l.get("weight");
                    int kernel = w.get(0).get(0).size();
                    stages.add(new Stage.Conv(w.size(), kernel, l.get("stride").asInt(), l.get("padding").asInt()));
                    params.add(flat(w));
                    params.add(flat(l.get("bias")));
                    boolean pooled = i + 1 < layers.size() && "maxpool".equals(layers.get(i + 1).get("type").asText());
                    if (pooled) {
                        JsonNode p = layers.get(++i);
                        int k = p.get("window").asInt();
                        int s = p.get("stride").asInt();
                        int pad = p.get("padding").asInt();
                        stages.add(new Stage.MaxPool(k, k, s, s, pad, pad));
                    }
                    if (l.path("linear").asBoolean(false)) {
                        stages.add(new Stage.Linear());
                    }
                }
                case "parallel" -> {
                    if (!"sum".equals(l.get("join").asText())) {
                        throw new IOException(file + ": join " + l.get("join") + ", expected sum");
                    }
                    List<List<Stage>> branches = new ArrayList<>();
                    for (JsonNode b : l.get("branches")) {
                        List<Stage> branch = new ArrayList<>();
                        stages(b, branch, params, outputs, file);
                        branches.add(branch);
                    }
                    stages.add(new Stage.Parallel(branches, Join.SUM, l.get("activated").asBoolean()));
                }
                case "flatten" -> stages.add(new Stage.Flatten());
                case "dense" -> {
                    stages.add(new Stage.Dense(l.get("weight").size()));
                    params.add(flat(l.get("weight")));
                    params.add(flat(l.get("bias")));
                }
                case "output" -> {
                    outputs[0] = l.get("weight").size();
                    params.add(flat(l.get("weight")));
                    params.add(flat(l.get("bias")));
                }
                default -> throw new IOException(file + ": unknown layer type " + type);
            }
        }
    }

    /** A nested list of numbers, flattened row-major. */
    static double[] flat(JsonNode node) {
        List<Double> values = new ArrayList<>();
        collect(node, values);
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i);
        }
        return v;
    }

    private static void collect(JsonNode node, List<Double> values) {
        if (node.isArray()) {
            for (JsonNode n : node) {
                collect(n, values);
            }
        } else {
            values.add(node.asDouble());
        }
    }
}
