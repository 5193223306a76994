package org.police4j.io;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.police4j.nn.BlockRecord;
import org.police4j.region.Box;
import org.police4j.region.L1Ball;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;
import org.police4j.region.Zonotope;

/**
 * One region of each kind, with doubles that a careless format would change (a third, pi, a
 * subnormal, 1e-300, minus zero), and the block record holding them all: the inputs of the
 * stored bytes and JSON that {@link RegionFormatsTest} holds the formats to.
 */
final class RegionFormatsFixture {

    /** The stored block record, in hexadecimal, 64 digits a line. */
    static final String RECORD_HEX = "/region-formats/record-v1.hex";

    /** The stored JSON, one region a line. */
    static final String JSON_LINES = "/region-formats/regions.jsonl";

    private RegionFormatsFixture() {}

    /** {@return the regions every format writes, one of each kind and two vertex regions (named, unnamed)} */
    static List<Region> regions() {
        return List.of(
                VertexRegion.of("triangle", new double[][] {
                    {0.1, -0.0, 1e-300}, {Math.PI / 3, Double.MIN_VALUE, -2.5}, {1.0 / 3, 7, Math.nextUp(1e17)}}),
                VertexRegion.of(new double[][] {{1, 2}, {3, 4}}),
                Box.linf(new double[] {0.1, 0.2, 0.3}, 0.05),
                Box.fromBounds(new double[] {-1, 0.3}, new double[] {1.0 / 3, 2}),
                L1Ball.of(new double[] {0.7, -1.1, 1e-7}, 0.3),
                Zonotope.of(new double[] {0.5, -0.25}, new double[][] {{1, 0.1, -0.3}, {0.2, Math.E, -0.0}}));
    }

    /** {@return the block record of {@link #regions()} ("region0", ...) and an {@link OddRegion}, as written} */
    static byte[] recordBytes() throws IOException {
        BlockRecord record = BlockRecord.of("RegionFormats").put("before", 1L);
        List<Region> regions = regions();
        for (int i = 0; i < regions.size(); i++) {
            record.putRegion("region" + i, regions.get(i));
        }
        record.putRegion("odd", new OddRegion());
        record.put("after", "end");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            record.write(out);
        }
        return bytes.toByteArray();
    }

    /** A region of a kind no format knows: recorded by what it says about itself. */
    static final class OddRegion implements Region {
        @Override
        public String name() {
            return "odd";
        }

        @Override
        public int dimension() {
            return 2;
        }

        @Override
        public double[] center() {
            return new double[] {0.25, 1.0 / 3};
        }

        @Override
        public boolean contains(double[] x, double tolerance) {
            return false;
        }

        @Override
        public double[][] sample(int n, Random rng) {
            return new double[n][2];
        }

        @Override
        public double[] magnitude() {
            return new double[] {1, 1};
        }

        @Override
        public String describe() {
            return "odd: a region of no known kind";
        }
    }
}
