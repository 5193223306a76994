package org.police4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.police4j.region.Region;
import org.police4j.region.RegionRecord;

/**
 * Regions as JSON: one object per region holding its {@link Region#record() record}, {@code
 * name} and {@code kind} first, then each field (text as a string, a number as a number, a vector
 * as an array, a matrix as an array of rows), so {@code {"name":"box","kind":"box","center":[..],
 * "radii":[..]}}. Nothing here names a kind: the region package says what each kind records.
 * Doubles are written in Jackson's shortest round-trip form, so a region read back is bit-for-bit
 * the region written, and so is the network's constraint.
 */
public final class RegionJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RegionJson() {}

    /**
     * Writes a region as JSON (the form above).
     *
     * @param region a region of a kind {@link RegionRecord#toRegion()} reads back
     * @return the JSON object
     * @throws IllegalArgumentException for a region that could not be read back
     */
    public static ObjectNode write(Region region) {
        RegionRecord record = region.record();
        if (!record.readable()) {
            throw new IllegalArgumentException("region: cannot write " + region.getClass().getName() + ": its kind '"
                    + record.kind() + "' could not be read back; known kinds: " + String.join(", ", RegionRecord.kinds()));
        }
        ObjectNode node = JSON.createObjectNode();
        node.put("name", record.name());
        node.put("kind", record.kind());
        for (Map.Entry<String, Object> field : record.fields().entrySet()) {
            Object value = field.getValue();
            if (value instanceof String s) {
                node.put(field.getKey(), s);
            } else if (value instanceof Double d) {
                node.put(field.getKey(), d.doubleValue());
            } else if (value instanceof double[] v) {
                node.set(field.getKey(), vector(v));
            } else {
                node.set(field.getKey(), matrix((double[][]) value));
            }
        }
        return node;
    }

    /**
     * Reads a region written by {@link #write}; a node without {@code kind} is a vertex region (as
     * written before kinds were). Fields other than numbers, strings and arrays are ignored.
     *
     * @param node the JSON object
     * @return the region
     * @throws IllegalArgumentException naming the missing or malformed field
     */
    public static Region read(JsonNode node) {
        RegionRecord record = RegionRecord.of(text(node.get("kind")), text(node.get("name")));
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals("kind") || name.equals("name")) {
                continue;
            }
            if (value.isNumber()) {
                record.put(name, value.asDouble());
            } else if (value.isTextual()) {
                record.put(name, value.asText());
            } else if (value.isArray() && value.size() > 0 && value.get(0).isArray()) {
                record.put(name, matrix(value, name));
            } else if (value.isArray()) {
                record.put(name, vector(value, name));
            }
        }
        return record.toRegion();
    }

    /** {@return the node's text, or null when it is absent or JSON null} */
    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
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

    private static double[] vector(JsonNode n, String field) {
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

    private static double[][] matrix(JsonNode n, String field) {
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
