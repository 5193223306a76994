package org.police4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;

/**
 * Regions as JSON, one object per region with a {@code kind}: {@code vertices} (name, vertices),
 * {@code box} (center, radii), {@code l1ball} (center, radius), {@code zonotope} (center,
 * generators D x g). Doubles are written in Jackson's shortest round-trip form, so a region read
 * back is bit-for-bit the region written, and so is the network's constraint.
 */
public final class RegionJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RegionJson() {}

    /**
     * Writes a region as JSON (the forms above).
     *
     * @param region a vertex, box, l1-ball or zonotope region
     * @return the JSON object
     * @throws IllegalArgumentException for another kind of region
     */
    public static ObjectNode write(Region region) {
        ObjectNode node = JSON.createObjectNode();
        node.put("name", region.name());
        if (region instanceof VertexRegion v) {
            node.put("kind", "vertices");
            node.set("vertices", matrix(v.vertices()));
        } else if (region instanceof Box b) {
            node.put("kind", "box");
            node.set("center", vector(b.center()));
            node.set("radii", vector(b.radii()));
        } else if (region instanceof L1Ball l) {
            node.put("kind", "l1ball");
            node.set("center", vector(l.center()));
            node.put("radius", l.radius());
        } else if (region instanceof Zonotope z) {
            node.put("kind", "zonotope");
            node.set("center", vector(z.center()));
            node.set("generators", matrix(z.generators()));
        } else {
            throw new IllegalArgumentException("region: cannot write " + region.getClass().getName());
        }
        return node;
    }

    /**
     * Reads a region written by {@link #write}; a node without {@code kind} but with {@code
     * vertices} is a vertex region.
     *
     * @param node the JSON object
     * @return the region
     * @throws IllegalArgumentException naming the missing or malformed field
     */
    public static Region read(JsonNode node) {
        String kind = node.path("kind").asText("vertices");
        switch (kind) {
            case "vertices":
                return VertexRegion.of(node.path("name").asText(""), matrix(node, "vertices"));
            case "box":
                return Box.of(vector(node, "center"), vector(node, "radii"));
            case "l1ball":
                if (!node.path("radius").isNumber()) {
                    throw new IllegalArgumentException("region: field 'radius' missing or not a number");
                }
                return L1Ball.of(vector(node, "center"), node.path("radius").asDouble());
            case "zonotope":
                return Zonotope.of(vector(node, "center"), matrix(node, "generators"));
            default:
                throw new IllegalArgumentException(
                        "region: unknown kind '" + kind + "'; expected vertices, box, l1ball or zonotope");
        }
    }

    private static ArrayNode vector(double[] v) {
        ArrayNode a = JSON.createArrayNode();
        for (double x : v) {
            a.add(x);
        }
        return a;
    }

    private static ArrayNode matrix(double[][] m) {
        ArrayNode a = JSON.createArrayNode();
        for (double[] row : m) {
            a.add(vector(row));
        }
        return a;
    }

    private static double[] vector(JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        if (!n.isArray()) {
            throw new IllegalArgumentException("region: field '" + field + "' missing or not an array");
        }
        double[] v = new double[n.size()];
        for (int i = 0; i < v.length; i++) {
            if (!n.get(i).isNumber()) {
                throw new IllegalArgumentException(
                        "region: " + field + "[" + i + "] is not a number: " + n.get(i));
            }
            v[i] = n.get(i).asDouble();
        }
        return v;
    }

    private static double[][] matrix(JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        if (!n.isArray()) {
            throw new IllegalArgumentException("region: field '" + field + "' missing or not an array");
        }
        double[][] m = new double[n.size()][];
        for (int i = 0; i < m.length; i++) {
            JsonNode row = n.get(i);
            if (!row.isArray()) {
                throw new IllegalArgumentException("region: " + field + " row " + i + " is not an array");
            }
            m[i] = new double[row.size()];
            for (int j = 0; j < m[i].length; j++) {
                if (!row.get(j).isNumber()) {
                    throw new IllegalArgumentException(
                            "region: " + field + "[" + i + "][" + j + "] is not a number: " + row.get(j));
                }
                m[i][j] = row.get(j).asDouble();
            }
        }
        return m;
    }
}
