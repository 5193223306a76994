package org.police4j.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Regions of lower affine dimension than the data: said, warned about, and the map given only on the hull. */
class DegenerateRegionTest {

    @TempDir Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void collinearVerticesGiveDimensionOneAndTheMapOnTheLine() throws IOException {
        Path data = dir.resolve("d.csv");
        CommandErrorsTest.writeData(data, 60);
        Path region = dir.resolve("line.csv");
        Files.writeString(region, "x1,x2\n0,0\n1,1\n1,1\n-1,-1\n0.5,0.5\n");
        Path model = dir.resolve("m");
        Cli.Result t = Cli.inProcess(CommandErrorsTest.train(data, model, region.toString(), "--standardize"));
        assertThat(t.code()).as(t.toString()).isZero();
        assertThat(t.err()).contains("police4j: warning: region '" + region
                + "' has affine dimension 1 but the data has 2 features");
        assertThat(t.err().lines().filter(l -> l.contains("affine dimension"))).hasSize(1);
        assertThat(t.out()).contains("the region has affine dimension 1 of 2: the map is determined only on its affine hull")
                .doesNotContain("affine map on the region in raw coordinates");
        JsonNode cert = JSON.readTree(model.resolve("certificate.json").toFile());
        assertThat(cert.get("affineDimension").asInt()).isEqualTo(1);
        JsonNode onHull = cert.get("affineHull").get("onHull").get("A").get(0);
        // the map on the line x1 = x2 does not depend on the orthogonal direction (1, -1)
        assertThat(onHull.get(0).asDouble() - onHull.get(1).asDouble()).isCloseTo(0, org.assertj.core.api.Assertions.within(1e-9));

        Cli.Result v = Cli.inProcess("verify", Cli.path(model));
        assertThat(v.code()).as(v.toString()).isZero();
        assertThat(v.err()).contains("has affine dimension 1");
        assertThat(v.out()).contains("affine dimension 1 of 2");
        Cli.Result i = Cli.inProcess("info", Cli.path(model));
        assertThat(i.out()).contains("affine dimension 1: the map is determined only on the region's affine hull");
        Path exported = dir.resolve("x");
        Cli.Result e = Cli.inProcess("export", Cli.path(model), "--out", Cli.path(exported));
        assertThat(e.code()).as(e.toString()).isZero();
        JsonNode map = JSON.readTree(exported.resolve("affine_map.json").toFile());
        assertThat(map.get("affineDimension").asInt()).isEqualTo(1);
        assertThat(map.get("affineHull").get("basis")).hasSize(1);
    }

    @Test
    void singlePointRegionReportsOnlyTheValueThere() throws IOException {
        Path data = dir.resolve("d.csv");
        CommandErrorsTest.writeData(data, 60);
        Path region = dir.resolve("point.csv");
        Files.writeString(region, "0.5,0.25\n0.5,0.25\n");
        Path model = dir.resolve("m");
        Cli.Result t = Cli.inProcess(CommandErrorsTest.train(data, model, region.toString()));
        assertThat(t.code()).as(t.toString()).isZero();
        assertThat(t.err()).contains("has affine dimension 0 but the data has 2 features").contains("a single point");
        assertThat(t.out()).contains("the region is a single point; the network's value there")
                .doesNotContain("*x1");
        // a full-dimensional region says nothing of the kind
        Cli.Result full = Cli.inProcess(CommandErrorsTest.train(data, dir.resolve("f"), "box:-1,1,2"));
        assertThat(full.err()).doesNotContain("affine dimension");
    }
}
