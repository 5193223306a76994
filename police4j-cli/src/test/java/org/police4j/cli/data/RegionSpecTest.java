package org.police4j.cli.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.region.Regions;
import org.police4j.region.VertexRegion;

class RegionSpecTest {

    @TempDir Path dir;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    // ---------------------------------------------------------------- named builders

    @Test
    void simplex() {
        VertexRegion r = RegionSpec.parse("simplex:3", null);
        assertThat(r.vertexCount()).isEqualTo(4);
        assertThat(r.dimension()).isEqualTo(3);
        assertThat(r).isEqualTo(Regions.simplex(3));
    }

    @Test
    void box() {
        VertexRegion r = RegionSpec.parse("box:0,1,2", null);
        assertThat(r.vertexCount()).isEqualTo(4);
        assertThat(r).isEqualTo(Regions.box(0, 1, 2));
        assertThat(RegionSpec.parse(" BOX: -1.5 , 2e0 , 3 ", null).vertexCount()).isEqualTo(8);
    }

    @Test
    void aBoxOfManyFeaturesIsSentToTheSupportForms() {
        assertThatThrownBy(() -> RegionSpec.parse("box:0.4,0.6,100", null))
                .hasMessageContaining("region 'box:0.4,0.6,100': dimension 100 would need 2^100 corners")
                .hasMessageContaining("box:LO,HI,D takes D <= 12")
                .hasMessageContaining("box-rows:FILE.csv, box-around:FILE.csv or box-quantiles:QLO,QHI");
        assertThat(RegionSpec.parse("box:0,1,12", null).vertexCount()).isEqualTo(4096);
    }

    @Test
    void l1ball() {
        VertexRegion r = RegionSpec.parse("l1ball:0,0,1", null);
        assertThat(r.vertexCount()).isEqualTo(4);
        assertThat(r).isEqualTo(Regions.l1Ball(new double[] {0, 0}, 1));
        assertThat(RegionSpec.parse("l1ball:1,2,3,0.5", null).vertexCount()).isEqualTo(6);
    }

    @Test
    void paperRegions() {
        assertThat(RegionSpec.parse("square", null)).isEqualTo(Regions.paperSquare());
        assertThat(RegionSpec.parse("triangle", null)).isEqualTo(Regions.paperTriangle());
        assertThat(RegionSpec.parse("octagon", null)).isEqualTo(Regions.paperOctagon());
        assertThat(RegionSpec.parse("circle", null)).isEqualTo(Regions.paperCircle());
    }

    @Test
    void unknownNameListsTheForms() {
        assertThatThrownBy(() -> RegionSpec.parse("hexagon", null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("unknown region 'hexagon'")
                .hasMessageContaining("simplex:D")
                .hasMessageContaining("box:LO,HI,D")
                .hasMessageContaining("l1ball:")
                .hasMessageContaining("square")
                .hasMessageContaining(".csv")
                .hasMessageContaining(".json");
        assertThatThrownBy(() -> RegionSpec.parse(" ", null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("no region given");
    }

    @Test
    void malformedNumbersNameTheValue() {
        assertThatThrownBy(() -> RegionSpec.parse("box:0,abc,2", null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("region 'box:0,abc,2'")
                .hasMessageContaining("'abc' is not a number")
                .hasMessageContaining("box:LO,HI,D");
        assertThatThrownBy(() -> RegionSpec.parse("simplex:2.5", null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("'2.5' is not a whole number");
        assertThatThrownBy(() -> RegionSpec.parse("l1ball:0,NaN,1", null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("'NaN' is not a finite number");
        assertThatThrownBy(() -> RegionSpec.parse("box:0,1", null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("2 values given; expected 3");
        assertThatThrownBy(() -> RegionSpec.parse("simplex", null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("missing parameters; expected simplex:D");
        assertThatThrownBy(() -> RegionSpec.parse("square:2", null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("takes no parameters");
    }

    @Test
    void builderErrorsArePrefixedWithTheSpec() {
        assertThatThrownBy(() -> RegionSpec.parse("box:1,0,2", null))
                .isInstanceOf(InputException.class)
                .hasMessageStartingWith("region 'box:1,0,2': ")
                .hasMessageContaining("lo < hi");
        assertThatThrownBy(() -> RegionSpec.parse("l1ball:0,0,-1", null))
                .isInstanceOf(InputException.class)
                .hasMessageStartingWith("region 'l1ball:0,0,-1': radius");
        assertThatThrownBy(() -> RegionSpec.parse("simplex:0", null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("dimension 0");
    }

    // ---------------------------------------------------------------- CSV

    @Test
    void csvWithoutHeader() throws IOException {
        file("tri.csv", "0,0\n1,0\n\n0,1\n");
        VertexRegion r = RegionSpec.parse("tri.csv", dir);
        assertThat(r.vertexCount()).isEqualTo(3);
        assertThat(r.name()).isEqualTo("tri");
        assertThat(r.vertex(2)).containsExactly(0, 1);
    }

    @Test
    void csvWithHeader() throws IOException {
        Path p = file("sq.csv", "x1,x2\n0,0\n1,0\n1,1\n0,1\n");
        VertexRegion r = RegionSpec.parse(p.toString(), null);
        assertThat(r.vertexCount()).isEqualTo(4);
        assertThat(r.vertex(0)).containsExactly(0, 0);
    }

    @Test
    void csvNonNumericValue() throws IOException {
        Path p = file("bad.csv", "x1,x2\n0,0\n1,zz\n");
        assertThatThrownBy(() -> RegionSpec.parse("bad.csv", dir))
                .isInstanceOf(InputException.class)
                .hasMessage(p + " line 3, column 'x2': 'zz' is not a number");
        Path q = file("bad2.csv", "0,0\n1,0\n1,Infinity\n");
        assertThatThrownBy(() -> RegionSpec.parse("bad2.csv", dir))
                .isInstanceOf(InputException.class)
                .hasMessage(q + " line 3, column 2: 'Infinity' is not a finite number");
    }

    @Test
    void csvRaggedRow() throws IOException {
        Path p = file("rag.csv", "0,0\n1,0\n\n1,1,1\n");
        assertThatThrownBy(() -> RegionSpec.parse("rag.csv", dir))
                .isInstanceOf(InputException.class)
                .hasMessage(p + " line 4: 3 values, expected 2 like line 1");
    }

    @Test
    void csvEmptyOrHeaderOnly() throws IOException {
        Path p = file("h.csv", "x,y\n");
        assertThatThrownBy(() -> RegionSpec.parse("h.csv", dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(p + ": has no vertices");
    }

    @Test
    void csvMissing() {
        Path p = dir.resolve("none.csv");
        assertThatThrownBy(() -> RegionSpec.parse("none.csv", dir))
                .isInstanceOf(InputException.class)
                .hasMessage("region file not found: " + p);
    }

    // ---------------------------------------------------------------- JSON

    @Test
    void jsonVertices() throws IOException {
        file("v.json", "{\"name\": \"my tri\", \"vertices\": [[0,0],[1,0],[0,1],[0,1]]}");
        VertexRegion r = RegionSpec.parse("v.json", dir);
        assertThat(r.name()).isEqualTo("my tri");
        assertThat(r.vertexCount()).isEqualTo(3); // duplicate dropped
        file("w.json", "{\"vertices\": [[0],[2]]}");
        assertThat(RegionSpec.parse("w.json", dir).name()).isEqualTo("w");
    }

    @Test
    void jsonHalfspaceSquareGivesFourCorners() throws IOException {
        file("h.json", "{\"A\": [[1,0],[-1,0],[0,1],[0,-1]], \"b\": [1,0,1,0]}");
        VertexRegion r = RegionSpec.parse("h.json", dir);
        assertThat(r.vertexCount()).isEqualTo(4);
        assertThat(r.name()).isEqualTo("h");
        double[][] v = r.vertices();
        java.util.Arrays.sort(v, (a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0])
                : Double.compare(a[1], b[1]));
        double[][] want = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        for (int i = 0; i < 4; i++) {
            assertThat(v[i]).containsExactly(want[i], within(1e-9));
        }
    }

    @Test
    void jsonUnboundedRefusedWithFileName() throws IOException {
        Path p = file("u.json", "{\"A\": [[1,0],[0,1]], \"b\": [1,1]}");
        assertThatThrownBy(() -> RegionSpec.parse("u.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageStartingWith(p + ": ")
                .hasMessageContaining("unbounded");
    }

    @Test
    void jsonEmptySetRefusedWithFileName() throws IOException {
        Path p = file("e.json", "{\"A\": [[1],[-1]], \"b\": [0,-1]}");
        assertThatThrownBy(() -> RegionSpec.parse("e.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageStartingWith(p + ": ")
                .hasMessageContaining("empty");
    }

    @Test
    void jsonMalformedNamesFileAndLocation() throws IOException {
        Path p = file("m.json", "{\n  \"vertices\": [[0,0],\n  [1,0]\n  [0,1]]\n}");
        assertThatThrownBy(() -> RegionSpec.parse("m.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(p + ": malformed JSON at line 4, column");
        Path q = file("nan.json", "{\"vertices\": [[NaN]]}");
        assertThatThrownBy(() -> RegionSpec.parse("nan.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(q + ": malformed JSON at line 1");
        Path r = file("dupkey.json", "{\"vertices\": [[0]], \"vertices\": [[1]]}");
        assertThatThrownBy(() -> RegionSpec.parse("dupkey.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(r + ": malformed JSON")
                .hasMessageContaining("vertices");
    }

    @Test
    void jsonWithoutVerticesOrHalfspaces() throws IOException {
        Path p = file("n.json", "{\"vertex\": [[0,0]]}");
        assertThatThrownBy(() -> RegionSpec.parse("n.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(p + ": has neither \"vertices\" nor \"A\" and \"b\"")
                .hasMessageContaining("\"vertex\"");
        Path q = file("a.json", "{\"A\": [[1]]}");
        assertThatThrownBy(() -> RegionSpec.parse("a.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(q + ": has \"A\" but no \"b\"");
        Path s = file("arr.json", "[[0,0]]");
        assertThatThrownBy(() -> RegionSpec.parse("arr.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(s + ": is a JSON array; expected an object");
    }

    @Test
    void jsonBadValues() throws IOException {
        Path p = file("s.json", "{\"vertices\": [[0,0],[1,\"x\"]]}");
        assertThatThrownBy(() -> RegionSpec.parse("s.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessage(p + ": vertices[1][1] is \"x\"; expected a number");
        Path q = file("inf.json", "{\"vertices\": [[0,0],[1,1e400]]}");
        assertThatThrownBy(() -> RegionSpec.parse("inf.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageStartingWith(q + ": vertices[1][1] is Infinity; expected a finite value a float32 can hold");
        Path e = file("empty.json", "{\"vertices\": []}");
        assertThatThrownBy(() -> RegionSpec.parse("empty.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageStartingWith(e + ": vertices: the region is empty");
        Path r = file("rag.json", "{\"vertices\": [[0,0],[1]]}");
        assertThatThrownBy(() -> RegionSpec.parse("rag.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessageStartingWith(r + ": vertices: row 1 has 1 coordinates");
    }

    @Test
    void jsonMissing() {
        Path p = dir.resolve("none.json");
        assertThatThrownBy(() -> RegionSpec.parse("none.json", dir))
                .isInstanceOf(InputException.class)
                .hasMessage("region file not found: " + p);
    }

    @Test
    void fileWithUnknownExtension() throws IOException {
        file("region.txt", "0,0\n");
        assertThatThrownBy(() -> RegionSpec.parse("region.txt", dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("must end in .csv or .json");
    }

    @Test
    void invalidPath() {
        assertThatThrownBy(() -> RegionSpec.parse("a\0b.csv", dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("not a valid file path");
    }

    // ---------------------------------------------------------------- dimension check

    @Test
    void requireDimension() {
        VertexRegion r = RegionSpec.parse("simplex:3", null);
        RegionSpec.requireDimension(r, 3, "simplex:3");
        RegionSpec.requireDimension(r, List.of("a", "b", "c"), "simplex:3");
        assertThatThrownBy(() -> RegionSpec.requireDimension(r, List.of("x1", "x2"), "simplex:3"))
                .isInstanceOf(InputException.class)
                .hasMessage(
                        "region 'simplex:3' has dimension 3 but the data has 2 features (x1, x2)");
        assertThatThrownBy(() -> RegionSpec.requireDimension(r, 1, "simplex:3"))
                .isInstanceOf(InputException.class)
                .hasMessage("region 'simplex:3' has dimension 3 but the data has 1 feature");
    }
}
