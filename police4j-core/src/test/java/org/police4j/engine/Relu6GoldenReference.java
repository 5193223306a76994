package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.testing.GoldenCase;
import org.police4j.testing.TestResources;

/**
 * An independent plain-Java double implementation of the POLICE forward and backward for ReLU6
 * (kinks 0 and 6), the paper's rule generalised to pieces (majority of the vertices over the
 * feasible pieces, ties to the higher piece; margin 0), written from the definition and sharing no
 * code with the engine: it produced {@code golden/relu6_square.json}, which {@code
 * GoldenVectorsTest} holds the engine to (both strategies). This test checks that the file is
 * what the reference computes from the file's own inputs, so the file cannot drift from its
 * definition; {@code -Dgolden.write=true} rewrites it from a fixed seed.
 *
 * <p>Derivative conventions at the kinks, those of DJL's {@code Activation.relu6} on PyTorch
 * (measured): 0 at 0, 1/2 at 6 (a tie of its minimum with 6 is split). A min or max over the
 * vertices sends its gradient to the first vertex attaining it. The case is drawn so that every
 * shift onto the kink at 6 is exact in float32 (Sterbenz: the extreme value lies in [3, 12]) and
 * no decision is within 1e-3 of changing.
 */
class Relu6GoldenReference {

    static final String FILE = "relu6_square.json";

    @Test
    void theGoldenFileIsWhatTheReferenceComputes() throws Exception {
        Path file = TestResources.dir("golden").resolve(FILE);
        if (Boolean.getBoolean("golden.write")) {
            Path source = Path.of(System.getProperty("police.root.dir", "."))
                    .resolve("police4j-core/src/test/resources/golden").resolve(FILE);
            Files.writeString(source, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(generate()) + "\n");
            return;
        }
        GoldenCase c = GoldenCase.read(file);
        assertThat(c.activation()).isEqualTo(Cpa.relu6());
        double[][][] w = c.weights().toArray(new double[0][][]);
        double[][] b = c.biases().toArray(new double[0][]);
        Result r = run(c.vertices(), w, b, c.inputs());
        assertThat(r.robust).as("no decision of the case is near a tie").isTrue();
        for (int l = 0; l < w.length - 1; l++) {
            assertThat(r.pieces[l]).containsExactly(c.signs().get(l));
            assertThat(r.shifts[l]).containsExactly(c.shifts().get(l));
        }
        assertThat(r.loss).isEqualTo(c.loss());
        for (int l = 0; l < w.length; l++) {
            for (int k = 0; k < w[l].length; k++) {
                assertThat(r.gradW[l][k]).containsExactly(c.weightGrads().get(l)[k]);
            }
            assertThat(r.gradB[l]).containsExactly(c.biasGrads().get(l));
        }
        // the case exercises every piece and both kinks
        boolean[] seen = new boolean[3];
        for (double[] layer : r.pieces) {
            for (double piece : layer) {
                seen[(int) piece] = true;
            }
        }
        assertThat(seen).containsExactly(true, true, true);
    }

    static final class Result {
        double[][] pieces;
        double[][] shifts;
        double[][] outputs;
        double[][] vertexOutputs;
        double loss;
        double[][][] gradW;
        double[][] gradB;
        boolean robust = true;
    }

    static double relu6(double u) {
        return Math.min(Math.max(u, 0), 6);
    }

    static double relu6Derivative(double u) {
        return u <= 0 ? 0 : u < 6 ? 1 : u == 6 ? 0.5 : 0;
    }

    /** The forward and the backward of the mean squared data outputs, in double. */
    static Result run(double[][] v, double[][][] w, double[][] b, double[][] x) {
        int hidden = w.length - 1;
        Result r = new Result();
        r.pieces = new double[hidden][];
        r.shifts = new double[hidden][];
        double[][][] zv = new double[hidden + 1][][];
        double[][][] zx = new double[hidden + 1][][];
        double[][][] uv = new double[hidden][][];
        double[][][] ux = new double[hidden][][];
        int[][] lowVertex = new int[hidden][];
        int[][] highVertex = new int[hidden][];
        double[][] dcdlo = new double[hidden][];
        double[][] dcdhi = new double[hidden][];
        zv[0] = v;
        zx[0] = x;
        for (int l = 0; l < hidden; l++) {
            double[][] hv = affine(zv[l], w[l], b[l]);
            double[][] hx = affine(zx[l], w[l], b[l]);
            int k = b[l].length;
            r.pieces[l] = new double[k];
            r.shifts[l] = new double[k];
            lowVertex[l] = new int[k];
            highVertex[l] = new int[k];
            dcdlo[l] = new double[k];
            dcdhi[l] = new double[k];
            for (int u = 0; u < k; u++) {
                int lo = 0;
                int hi = 0;
                int[] votes = new int[3];
                for (int p = 0; p < hv.length; p++) {
                    double h = hv[p][u];
                    lo = h < hv[lo][u] ? p : lo;
                    hi = h > hv[hi][u] ? p : hi;
                    votes[h <= 0 ? 0 : h <= 6 ? 1 : 2]++;
                    r.robust &= Math.abs(h) > 1e-3 && Math.abs(h - 6) > 1e-3;
                }
                for (int p = 0; p < hv.length; p++) {
                    r.robust &= p == lo || hv[p][u] - hv[lo][u] > 1e-3;
                    r.robust &= p == hi || hv[hi][u] - hv[p][u] > 1e-3;
                }
                double low = hv[lo][u];
                double high = hv[hi][u];
                boolean middleFits = high - low <= 6;
                r.robust &= Math.abs(high - low - 6) > 1e-3;
                int piece = -1;
                for (int j = 0; j <= 2; j++) {
                    if ((j != 1 || middleFits) && (piece < 0 || votes[j] >= votes[piece])) {
                        piece = j;
                    }
                }
                double c = 0;
                if (piece == 0 && high > 0) {
                    c = -high;
                    dcdhi[l][u] = -1;
                } else if (piece == 2 && low < 6) {
                    c = 6 - low;
                    dcdlo[l][u] = -1;
                    r.robust &= low >= 3 && low <= 12; // 6 - low exact in float32
                } else if (piece == 1 && low < 0) {
                    c = -low;
                    dcdlo[l][u] = -1;
                } else if (piece == 1 && high > 6) {
                    c = 6 - high;
                    dcdhi[l][u] = -1;
                    r.robust &= high >= 3 && high <= 12;
                }
                r.pieces[l][u] = piece;
                r.shifts[l][u] = c;
                lowVertex[l][u] = lo;
                highVertex[l][u] = hi;
            }
            uv[l] = plus(hv, r.shifts[l]);
            ux[l] = plus(hx, r.shifts[l]);
            for (double[] row : ux[l]) { // data rows clear of the kinks
                for (double u : row) {
                    r.robust &= Math.abs(u) > 1e-3 && Math.abs(u - 6) > 1e-3;
                }
            }
            for (int p = 0; p < uv[l].length; p++) { // vertices on a kink only where the shift put them
                for (int u = 0; u < k; u++) {
                    boolean placed = (p == lowVertex[l][u] && dcdlo[l][u] != 0) || (p == highVertex[l][u] && dcdhi[l][u] != 0);
                    double value = uv[l][p][u];
                    r.robust &= placed || Math.abs(value) > 1e-3 && Math.abs(value - 6) > 1e-3;
                }
            }
            zv[l + 1] = map(uv[l]);
            zx[l + 1] = map(ux[l]);
        }
        r.outputs = affine(zx[hidden], w[hidden], b[hidden]);
        r.vertexOutputs = affine(zv[hidden], w[hidden], b[hidden]);
        int n = r.outputs.length;
        int out = r.outputs[0].length;
        double sum = 0;
        double[][] g = new double[n][out];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < out; k++) {
                sum += r.outputs[i][k] * r.outputs[i][k];
                g[i][k] = 2 * r.outputs[i][k] / (n * out);
            }
        }
        r.loss = sum / (n * out);
        r.gradW = new double[w.length][][];
        r.gradB = new double[w.length][];
        double[][] gx = g; // gradient w.r.t. layer l's output, data rows
        double[][] gv = new double[v.length][out]; // vertex rows: the vertex outputs are not in the loss
        for (int l = hidden; l >= 0; l--) {
            if (l < hidden) { // through the activation and the shift of hidden layer l
                int k = b[l].length;
                double[][] gux = new double[gx.length][k];
                double[][] guv = new double[gv.length][k];
                double[] gc = new double[k];
                for (int i = 0; i < gx.length; i++) {
                    for (int u = 0; u < k; u++) {
                        gux[i][u] = gx[i][u] * relu6Derivative(ux[l][i][u]);
                        gc[u] += gux[i][u];
                    }
                }
                for (int p = 0; p < gv.length; p++) {
                    for (int u = 0; u < k; u++) {
                        guv[p][u] = gv[p][u] * relu6Derivative(uv[l][p][u]);
                        gc[u] += guv[p][u];
                    }
                }
                for (int u = 0; u < k; u++) { // c depends on the worst vertex's pre-activation
                    guv[lowVertex[l][u]][u] += gc[u] * dcdlo[l][u];
                    guv[highVertex[l][u]][u] += gc[u] * dcdhi[l][u];
                }
                gx = gux;
                gv = guv;
            }
            r.gradW[l] = new double[w[l].length][w[l][0].length];
            r.gradB[l] = new double[w[l].length];
            accumulate(r.gradW[l], r.gradB[l], gx, zx[l]);
            accumulate(r.gradW[l], r.gradB[l], gv, zv[l]);
            gx = back(gx, w[l]);
            gv = back(gv, w[l]);
        }
        return r;
    }

    private static double[][] affine(double[][] z, double[][] w, double[] b) {
        double[][] h = new double[z.length][b.length];
        for (int i = 0; i < z.length; i++) {
            for (int k = 0; k < b.length; k++) {
                double s = b[k];
                for (int j = 0; j < z[i].length; j++) {
                    s += w[k][j] * z[i][j];
                }
                h[i][k] = s;
            }
        }
        return h;
    }

    private static double[][] plus(double[][] h, double[] c) {
        double[][] u = new double[h.length][];
        for (int i = 0; i < h.length; i++) {
            u[i] = new double[c.length];
            for (int k = 0; k < c.length; k++) {
                u[i][k] = h[i][k] + c[k];
            }
        }
        return u;
    }

    private static double[][] map(double[][] u) {
        double[][] z = new double[u.length][];
        for (int i = 0; i < u.length; i++) {
            z[i] = new double[u[i].length];
            for (int k = 0; k < u[i].length; k++) {
                z[i][k] = relu6(u[i][k]);
            }
        }
        return z;
    }

    private static void accumulate(double[][] gw, double[] gb, double[][] g, double[][] z) {
        for (int i = 0; i < g.length; i++) {
            for (int k = 0; k < gb.length; k++) {
                gb[k] += g[i][k];
                for (int j = 0; j < z[i].length; j++) {
                    gw[k][j] += g[i][k] * z[i][j];
                }
            }
        }
    }

    private static double[][] back(double[][] g, double[][] w) {
        double[][] in = new double[g.length][w[0].length];
        for (int i = 0; i < g.length; i++) {
            for (int k = 0; k < w.length; k++) {
                for (int j = 0; j < w[0].length; j++) {
                    in[i][j] += g[i][k] * w[k][j];
                }
            }
        }
        return in;
    }

    /** Draws the case: float32 values on a grid of 1/64, scaled so units land on every piece. */
    static ObjectNode generate() {
        for (long seed = 1; ; seed++) {
            Random rng = new Random(seed);
            int d = 2;
            double[][] v = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}}; // a square: P = 4, ties possible
            int[] widths = {2, 6, 5, 2};
            double[][][] w = new double[3][][];
            double[][] b = new double[3][];
            for (int l = 0; l < 3; l++) {
                w[l] = new double[widths[l + 1]][widths[l]];
                b[l] = new double[widths[l + 1]];
                for (int k = 0; k < widths[l + 1]; k++) {
                    for (int j = 0; j < widths[l]; j++) {
                        w[l][k][j] = (rng.nextInt(321) - 160) / 64.0;
                    }
                    b[l][k] = (rng.nextInt(769) - 256) / 64.0;
                }
            }
            double[][] x = new double[5][d];
            for (double[] row : x) {
                for (int j = 0; j < d; j++) {
                    row[j] = (rng.nextInt(321) - 160) / 64.0;
                }
            }
            Result r = run(v, w, b, x);
            boolean[] seen = new boolean[3];
            for (double[] layer : r.pieces) {
                for (double piece : layer) {
                    seen[(int) piece] = true;
                }
            }
            if (!r.robust || !(seen[0] && seen[1] && seen[2])) {
                continue;
            }
            ObjectMapper m = new ObjectMapper();
            ObjectNode root = m.createObjectNode();
            root.put("name", "relu6_square");
            root.put("activation", "relu6");
            root.put("seed", seed);
            root.set("vertices", m.valueToTree(v));
            ArrayNode layers = root.putArray("layers");
            for (int l = 0; l < 3; l++) {
                ObjectNode layer = layers.addObject();
                layer.set("weight", m.valueToTree(w[l]));
                layer.set("bias", m.valueToTree(b[l]));
            }
            root.set("inputs", m.valueToTree(x));
            ObjectNode e = root.putObject("expected");
            e.set("signs", m.valueToTree(r.pieces));
            e.set("shifts", m.valueToTree(r.shifts));
            e.set("outputs", m.valueToTree(r.outputs));
            e.set("vertex_outputs", m.valueToTree(r.vertexOutputs));
            e.put("loss_mean_square_outputs", r.loss);
            ArrayNode grads = e.putArray("grads");
            for (int l = 0; l < 3; l++) {
                ObjectNode g = grads.addObject();
                g.set("weight", m.valueToTree(r.gradW[l]));
                g.set("bias", m.valueToTree(r.gradB[l]));
            }
            return root;
        }
    }
}
