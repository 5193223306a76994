package org.police4j.certify;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first hidden unit found whose pre-activations straddle the kink at 0 over the region's
 * vertices: some vertex lands strictly above 0 and another strictly below, so the network bends
 * inside the region.
 *
 * @param layer the hidden layer, 0-based
 * @param unit the unit within the layer, 0-based
 * @param min the smallest pre-activation over the vertices (negative), as a double
 * @param max the largest pre-activation over the vertices (positive), as a double
 */
public record Violation(int layer, int unit, double min, double max) {

    /** {@return a JSON-friendly view: {@code layer}, {@code unit}, {@code min}, {@code max}} */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", layer);
        m.put("unit", unit);
        m.put("min", min);
        m.put("max", max);
        return m;
    }

    @Override
    public String toString() {
        return "layer " + layer + ", unit " + unit + ": pre-activations range over [" + min + ", "
                + max + "]";
    }
}
